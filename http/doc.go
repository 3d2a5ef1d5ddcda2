// Package http is Verity's web edge: the Gin engine, the JSON API for editors under /api/v1,
// request and response shapes (DTOs) and their validation, problem+json errors, and the
// server's lifecycle. Handlers decode a request, call the claims or provenance domain, and
// encode the answer; no domain rule lives here.
package http
