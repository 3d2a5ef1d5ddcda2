// A tiny client of Verity's API, typed by what openapi-typescript generates from the served
// OpenAPI document (./api.d.ts, written by openapi_typescript_test.go). tsc --strict must
// compile it, and node runs it against a live server: node client.js BASE TOKEN.
import type { components, paths } from "./api";

type Schemas = components["schemas"];
type Ok<P extends keyof paths> = paths[P] extends { get: { responses: { 200: { content: infer C } } } } ? C[keyof C] : never;

declare const process: { argv: string[]; exitCode?: number };

const [base, token] = process.argv.slice(2);

async function get<T>(path: string): Promise<T> {
  const r = await fetch(base + path, { headers: { Authorization: "Bearer " + token } });
  if (!r.ok) {
    throw new Error(`GET ${path}: ${r.status} ${await r.text()}`);
  }
  return (await r.json()) as T;
}

async function main(): Promise<void> {
  // A page: data has items, next_cursor a string or null.
  const page = await get<Ok<"/api/v1/claims">>("/api/v1/claims?limit=2");
  const first: Schemas["Claim"] = page.data[0];
  const next: string | null = page.next_cursor;
  // Offsets are numbers; slicing by code points is what the document says to do.
  const start: number = first.anchor.start;
  const end: number = first.anchor.end;

  const detail = await get<Ok<"/api/v1/claims/{id}">>(`/api/v1/claims/${first.id}`);
  const sources: string[] = detail.citations.map((c) => c.source?.name ?? "");

  // PROV-JSON: records with typed attributes, not never.
  const prov = await get<Schemas["ProvDocument"]>(`/api/v1/claims/${first.id}/provenance?format=prov-json`);
  const types: string[] = Object.values(prov.entity).map((e) => e["prov:type"].$);
  const quoted: string[] = Object.values(prov.wasDerivedFrom).map((d) => d["prov:usedEntity"]);
  const label = prov.entity[`verity:claim/${first.id}`]["prov:label"];

  // The audit trail's snapshots are JSON objects.
  const audit = await get<Ok<"/api/v1/audit">>("/api/v1/audit?limit=3");
  const after: Schemas["JsonObject"] | null = audit.data[0].after;
  const fields: string[] = after === null ? [] : Object.keys(after);

  // Time inputs are strings.
  const input: Schemas["ArticleInput"] = { title: "T", body: "B", published_at: "2021-08-27" };
  const when: string | null | undefined = input.published_at;

  console.log(JSON.stringify({
    claim: first.id, next: next !== null, length: end - start, sources, types: [...new Set(types)].sort(),
    quoted: quoted.length, label, fields: fields.length, when,
  }));
}

main().catch((e: unknown) => {
  console.error(e);
  process.exitCode = 1;
});
