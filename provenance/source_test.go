package provenance_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"verity/claims/fault"
	"verity/claims/identity"
	"verity/migrations/database"
	"verity/migrations/dbtest"
	"verity/provenance"
)

func TestCreateSource(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	clock := &dbtest.Clock{T: time.Date(2026, 11, 25, 9, 30, 0, 123456789, time.UTC)}
	db := mustOpenDB(t, database.WithClock(clock.Now))
	st := provenance.NewStore(db)
	editor := mustUser(t, db, "ed@example.org")
	published := time.Date(2021, 8, 26, 18, 0, 0, 999, time.FixedZone("AFT", 4*3600+1800))

	t.Run("minimal", func(t *testing.T) {
		seq := headSeq(t, db)
		src, err := st.CreateSource(ctx, identity.System(), provenance.SourceFields{Kind: provenance.KindAnonymousOfficial, Name: "an Indian official"})
		if err != nil {
			t.Fatal(err)
		}
		if src.ID == 0 || src.Version != 1 || src.Reliability != provenance.ReliabilityF || src.CreatedBy != nil {
			t.Errorf("source = %+v", src)
		}
		if want := clock.T.Truncate(time.Microsecond); !src.CreatedAt.Equal(want) || !src.UpdatedAt.Equal(want) {
			t.Errorf("times = %v, %v; want %v", src.CreatedAt, src.UpdatedAt, want)
		}
		e := expectOneEvent(t, db, seq, "source.create", "source", fmt.Sprint(src.ID))
		if e.Actor != "system" || e.Before != "" || !strings.Contains(e.After, `"name":"an Indian official"`) {
			t.Errorf("audit event = %+v", e)
		}
	})

	t.Run("full, normalized", func(t *testing.T) {
		src, err := st.CreateSource(ctx, editor, provenance.SourceFields{
			Kind: provenance.KindReport, Name: "  UN Security Council monitoring team re\u0301port\n",
			Affiliation: " United Nations ", URL: "https://www.un.org/securitycouncil/", Publisher: "UN",
			PublishedAt: &published, Reliability: provenance.ReliabilityB, Notes: " 12th report ",
		})
		if err != nil {
			t.Fatal(err)
		}
		if src.Name != "UN Security Council monitoring team r\u00e9port" || src.Affiliation != "United Nations" || src.Notes != "12th report" {
			t.Errorf("text not normalized: %q %q %q", src.Name, src.Affiliation, src.Notes)
		}
		if src.CreatedBy == nil || *src.CreatedBy != editor.UserID {
			t.Errorf("created_by = %v, want %d", src.CreatedBy, editor.UserID)
		}
		if src.PublishedAt == nil || src.PublishedAt.Location() != time.UTC || !src.PublishedAt.Equal(published.Truncate(time.Microsecond)) {
			t.Errorf("published_at = %v", src.PublishedAt)
		}
		got, err := st.FindSourceByID(ctx, src.ID)
		if err != nil {
			t.Fatal(err)
		}
		if got.Name != src.Name || got.Reliability != provenance.ReliabilityB || !got.PublishedAt.Equal(*src.PublishedAt) ||
			!got.CreatedAt.Equal(src.CreatedAt) || got.URL != src.URL || *got.CreatedBy != editor.UserID {
			t.Errorf("found %+v, created %+v", got, src)
		}
	})

	for _, tc := range []struct {
		name   string
		f      provenance.SourceFields
		fields []string
		msg    string
	}{
		{"no name", provenance.SourceFields{Kind: provenance.KindReport, Name: "  "}, []string{"name"}, "is required"},
		{"no kind", provenance.SourceFields{Name: "x"}, []string{"kind"}, "must be one of report, named_person, anonymous_official, organisation, government, news_agency, photo_agency, dataset, document"},
		{"bad kind", provenance.SourceFields{Kind: "rumour", Name: "x"}, []string{"kind"}, "must be one of report, named_person"},
		{"bad reliability", provenance.SourceFields{Kind: provenance.KindReport, Name: "x", Reliability: "G"}, []string{"reliability"}, "must be one of A, B, C, D, E, F"},
		{"bad UTF-8", provenance.SourceFields{Kind: provenance.KindReport, Name: "caf\xe9"}, []string{"name"}, "valid UTF-8"},
		{"NUL", provenance.SourceFields{Kind: provenance.KindReport, Name: "x", Publisher: "a\x00b"}, []string{"publisher"}, "NUL"},
		{"long name", provenance.SourceFields{Kind: provenance.KindReport, Name: strings.Repeat("é", 1001)}, []string{"name"}, "at most 1000 characters"},
		{"long notes", provenance.SourceFields{Kind: provenance.KindReport, Name: "x", Notes: strings.Repeat("n", 10001)}, []string{"notes"}, "at most 10000 characters"},
		{"javascript URL", provenance.SourceFields{Kind: provenance.KindReport, Name: "x", URL: "javascript:alert(1)"}, []string{"url"}, "http or https"},
		{"relative URL", provenance.SourceFields{Kind: provenance.KindReport, Name: "x", URL: "/reports/1"}, []string{"url"}, "http or https"},
		{"zero date", provenance.SourceFields{Kind: provenance.KindReport, Name: "x", PublishedAt: &time.Time{}}, []string{"published_at"}, ""},
		{"all at once", provenance.SourceFields{Kind: "x", Name: "", Reliability: "Z", Affiliation: "\xff"}, []string{"kind", "name", "reliability", "affiliation"}, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			before, seq := countRows(t, db, "sources"), headSeq(t, db)
			_, err := st.CreateSource(ctx, identity.System(), tc.f)
			wantFields(t, err, tc.fields...)
			if got := fault.As(err).Fields[tc.fields[0]]; !strings.Contains(got, tc.msg) {
				t.Errorf("message for %s = %q, want it to contain %q", tc.fields[0], got, tc.msg)
			}
			if len(tc.fields) == 1 && len(fault.As(err).Fields) != 1 {
				t.Errorf("fields = %v, want only %s", fault.As(err).Fields, tc.fields[0])
			}
			if countRows(t, db, "sources") != before || headSeq(t, db) != seq {
				t.Error("a refused source was written")
			}
		})
	}

	t.Run("not found", func(t *testing.T) {
		_, err := st.FindSourceByID(ctx, 999)
		dbtest.WantKind(t, err, fault.NotFound, "")
		if fault.As(err).Message != "source 999 not found" {
			t.Errorf("message = %q", fault.As(err).Message)
		}
	})
	verifyAudit(t, db)
}

func TestUpdateSource(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	clock := &dbtest.Clock{T: time.Date(2026, 11, 25, 9, 0, 0, 0, time.UTC)}
	db := mustOpenDB(t, database.WithClock(clock.Now))
	st := provenance.NewStore(db)
	published := time.Date(2021, 8, 1, 0, 0, 0, 0, time.UTC)
	src, err := st.CreateSource(ctx, identity.System(), provenance.SourceFields{
		Kind: provenance.KindReport, Name: "UN report", PublishedAt: &published,
	})
	if err != nil {
		t.Fatal(err)
	}
	ptr := func(s string) *string { return &s }

	t.Run("changes fields and bumps the version", func(t *testing.T) {
		clock.Advance(time.Hour)
		seq := headSeq(t, db)
		rel := provenance.ReliabilityA
		name := "  UN monitoring team report "
		v := src.Version
		got, err := st.UpdateSource(ctx, identity.System(), src.ID, &v, provenance.SourceUpdate{Name: &name, Reliability: &rel, Publisher: ptr("UN")})
		if err != nil {
			t.Fatal(err)
		}
		if got.Version != 2 || got.Name != "UN monitoring team report" || got.Reliability != provenance.ReliabilityA || got.Publisher != "UN" {
			t.Errorf("updated = %+v", got)
		}
		if name != "  UN monitoring team report " {
			t.Errorf("the caller's value was changed to %q", name)
		}
		if !got.UpdatedAt.Equal(clock.T) || !got.CreatedAt.Equal(src.CreatedAt) || got.Kind != provenance.KindReport {
			t.Errorf("updated = %+v", got)
		}
		e := expectOneEvent(t, db, seq, "source.update", "source", fmt.Sprint(src.ID))
		if !strings.Contains(e.Before, `"version":1`) || !strings.Contains(e.After, `"version":2`) {
			t.Errorf("audit before/after = %s / %s", e.Before, e.After)
		}
		found, err := st.FindSourceByID(ctx, src.ID)
		if err != nil {
			t.Fatal(err)
		}
		if found.Version != 2 || found.Name != got.Name || found.PublishedAt == nil {
			t.Errorf("found = %+v", found)
		}
	})

	t.Run("clears published_at without a version check", func(t *testing.T) {
		var none *time.Time
		got, err := st.UpdateSource(ctx, identity.System(), src.ID, nil, provenance.SourceUpdate{PublishedAt: &none})
		if err != nil {
			t.Fatal(err)
		}
		if got.PublishedAt != nil || got.Version != 3 {
			t.Errorf("updated = %+v", got)
		}
	})

	t.Run("changing nothing writes nothing", func(t *testing.T) {
		seq := headSeq(t, db)
		got, err := st.UpdateSource(ctx, identity.System(), src.ID, nil, provenance.SourceUpdate{Name: ptr("UN monitoring team report")})
		if err != nil {
			t.Fatal(err)
		}
		if got.Version != 3 || headSeq(t, db) != seq {
			t.Errorf("version %d, audit head %d -> %d", got.Version, seq, headSeq(t, db))
		}
	})

	stale := int64(1)
	kind := provenance.SourceKind("rumour")
	empty := ""
	for _, tc := range []struct {
		name      string
		id        int64
		ifVersion *int64
		u         provenance.SourceUpdate
		kind      fault.Kind
		field     string
	}{
		{"stale version", src.ID, &stale, provenance.SourceUpdate{Name: ptr("other")}, fault.PreconditionFailed, ""},
		{"missing source", 999, nil, provenance.SourceUpdate{Name: ptr("other")}, fault.NotFound, ""},
		{"bad kind", src.ID, nil, provenance.SourceUpdate{Kind: &kind}, fault.Invalid, "kind"},
		{"empty name", src.ID, nil, provenance.SourceUpdate{Name: &empty}, fault.Invalid, "name"},
		{"bad UTF-8", src.ID, nil, provenance.SourceUpdate{Notes: ptr("\xc3\x28")}, fault.Invalid, "notes"},
		{"bad URL", src.ID, nil, provenance.SourceUpdate{URL: ptr("ftp://example.org/x")}, fault.Invalid, "url"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			seq := headSeq(t, db)
			_, err := st.UpdateSource(ctx, identity.System(), tc.id, tc.ifVersion, tc.u)
			dbtest.WantKind(t, err, tc.kind, "")
			if tc.field != "" {
				wantFields(t, err, tc.field)
			}
			if headSeq(t, db) != seq {
				t.Error("a refused update was audited")
			}
			found, err := st.FindSourceByID(ctx, src.ID)
			if err != nil {
				t.Fatal(err)
			}
			if found.Version != 3 || found.Name != "UN monitoring team report" {
				t.Errorf("a refused update changed the source: %+v", found)
			}
		})
	}

	t.Run("empty reliability resets to F", func(t *testing.T) {
		r := provenance.Reliability("")
		got, err := st.UpdateSource(ctx, identity.System(), src.ID, nil, provenance.SourceUpdate{Reliability: &r})
		if err != nil {
			t.Fatal(err)
		}
		if got.Reliability != provenance.ReliabilityF {
			t.Errorf("reliability = %q", got.Reliability)
		}
	})
	verifyAudit(t, db)
}

func TestFindSourcesPagesWithoutSkipsOrRepeats(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := mustOpenDB(t)
	st := provenance.NewStore(db)
	for i := range 5 {
		mustSource(t, st, provenance.KindNamedPerson, fmt.Sprintf("person %d", i))
	}
	// A source of another kind is interleaved between pages and must not show up.
	var seen []int64
	var after int64
	added := 0
	for page := 0; ; page++ {
		list, more, err := st.FindSources(ctx, provenance.SourceFilter{Kind: provenance.KindNamedPerson, AfterID: after, Limit: 2})
		if err != nil {
			t.Fatal(err)
		}
		for _, s := range list {
			if s.Kind != provenance.KindNamedPerson {
				t.Errorf("kind filter let %+v through", s)
			}
			seen = append(seen, s.ID)
		}
		if !more {
			if len(list) > 2 {
				t.Errorf("page of %d", len(list))
			}
			break
		}
		after = list[len(list)-1].ID
		if page < 3 {
			mustSource(t, st, provenance.KindNamedPerson, fmt.Sprintf("late %d", page))
			mustSource(t, st, provenance.KindGovernment, fmt.Sprintf("government %d", page))
			added++
		}
		if page > 20 {
			t.Fatal("paging does not end")
		}
	}
	if len(seen) != 5+added {
		t.Errorf("saw %d sources, want %d: %v", len(seen), 5+added, seen)
	}
	for i := 1; i < len(seen); i++ {
		if seen[i] <= seen[i-1] {
			t.Errorf("ids not strictly increasing (repeat or disorder): %v", seen)
		}
	}
}

func TestFindSourcesFilters(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := mustOpenDB(t)
	st := provenance.NewStore(db)
	mk := func(kind provenance.SourceKind, name, affiliation, publisher string) int64 {
		t.Helper()
		src, err := st.CreateSource(ctx, identity.System(), provenance.SourceFields{Kind: kind, Name: name, Affiliation: affiliation, Publisher: publisher})
		if err != nil {
			t.Fatal(err)
		}
		return src.ID
	}
	un := mk(provenance.KindReport, "Monitoring Team report", "United Nations", "")
	official := mk(provenance.KindAnonymousOfficial, "an Indian official", "", "")
	reuters := mk(provenance.KindNewsAgency, "Reuters", "", "Thomson Reuters")
	pct := mk(provenance.KindDataset, "100% of cases", "", "")
	under := mk(provenance.KindDocument, "file_name.pdf", "", "")

	for _, tc := range []struct {
		name string
		f    provenance.SourceFilter
		want []int64
	}{
		{"everything", provenance.SourceFilter{Limit: 50}, []int64{un, official, reuters, pct, under}},
		{"name, any case", provenance.SourceFilter{Q: "monitoring TEAM", Limit: 50}, []int64{un}},
		{"affiliation", provenance.SourceFilter{Q: "nations", Limit: 50}, []int64{un}},
		{"publisher", provenance.SourceFilter{Q: "thomson", Limit: 50}, []int64{reuters}},
		{"several rows", provenance.SourceFilter{Q: "IN", Limit: 50}, []int64{un, official}},
		{"percent is literal", provenance.SourceFilter{Q: "%", Limit: 50}, []int64{pct}},
		{"underscore is literal", provenance.SourceFilter{Q: "e_n", Limit: 50}, []int64{under}},
		{"escape character is literal", provenance.SourceFilter{Q: "!", Limit: 50}, nil},
		{"kind and q", provenance.SourceFilter{Kind: provenance.KindReport, Q: "official", Limit: 50}, nil},
		{"q trimmed", provenance.SourceFilter{Q: "  reuters ", Limit: 50}, []int64{reuters}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			list, more, err := st.FindSources(ctx, tc.f)
			if err != nil {
				t.Fatal(err)
			}
			if list == nil || more {
				t.Errorf("list nil=%v, more=%v", list == nil, more)
			}
			var got []int64
			for _, s := range list {
				got = append(got, s.ID)
			}
			if fmt.Sprint(got) != fmt.Sprint(tc.want) {
				t.Errorf("got %v, want %v", got, tc.want)
			}
		})
	}

	for _, tc := range []struct {
		name  string
		f     provenance.SourceFilter
		field string
	}{
		{"bad kind", provenance.SourceFilter{Kind: "blog", Limit: 10}, "kind"},
		{"no limit", provenance.SourceFilter{}, "limit"},
		{"bad q", provenance.SourceFilter{Q: "\xff", Limit: 10}, "q"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, _, err := st.FindSources(ctx, tc.f)
			wantFields(t, err, tc.field)
		})
	}
}
