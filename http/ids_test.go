package http_test

import (
	"bytes"
	"mime/multipart"
	"net/http"
	"testing"
)

// TestIDsAreCanonical: an id has one spelling, the digits of a positive int64 without sign
// or leading zeros. In a path another spelling names nothing; in a body, a query or a form it
// is refused on its field.
func TestIDsAreCanonical(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	claim := e.claimByQuote("just 2,200 fighters")["id"].(string)
	for _, path := range []string{
		"/api/v1/claims/+" + claim, "/api/v1/claims/0" + claim, "/api/v1/claims/" + claim + ".0",
		"/api/v1/claims/0" + claim + "/evidence", "/api/v1/articles/01", "/api/v1/articles/01/revisions",
		"/api/v1/articles/1/revisions/01", "/api/v1/articles/1/revisions/+1", "/api/v1/articles/01/claims",
		"/api/v1/sources/01", "/api/v1/users/+1", "/api/v1/evidence/01",
	} {
		w := e.as(admin, "GET", path, nil)
		wantProblem(t, w, http.StatusNotFound, "")
	}
	w := e.as(viewer, "GET", "/api/v1/claims/"+claim, nil)
	wantStatus(t, w, http.StatusOK)

	for _, tc := range []struct{ name, body, field string }{
		{"plus sign", `{"article_id":"+1","quote":"just 2,200 fighters"}`, "article_id"},
		{"leading zero", `{"article_id":"01","quote":"just 2,200 fighters"}`, "article_id"},
		{"leading zero, as a number", `{"article_id":01,"quote":"just 2,200 fighters"}`, ""},
		{"a fraction", `{"article_id":1.0,"quote":"just 2,200 fighters"}`, "article_id"},
		{"an exponent", `{"article_id":1e0,"quote":"just 2,200 fighters"}`, "article_id"},
		{"spaces", `{"article_id":" 1","quote":"just 2,200 fighters"}`, "article_id"},
		{"zero", `{"article_id":"0","quote":"just 2,200 fighters"}`, "article_id"},
		{"beyond int64", `{"article_id":"9223372036854775808","quote":"just 2,200 fighters"}`, "article_id"},
	} {
		t.Run("body: "+tc.name, func(t *testing.T) {
			before := e.auditCount()
			w := e.as(editor, "POST", "/api/v1/claims", tc.body)
			if tc.field == "" {
				wantProblem(t, w, http.StatusBadRequest, "") // 01 is not JSON at all
			} else {
				wantProblem(t, w, http.StatusUnprocessableEntity, tc.field)
			}
			if e.auditCount() != before {
				t.Error("a refused id changed the audit trail")
			}
		})
	}
	w = e.as(editor, "POST", "/api/v1/claims", `{"article_id":1,"quote":"just 2,200 fighters"}`)
	wantStatus(t, w, http.StatusCreated)

	for _, tc := range []struct{ query, field string }{
		{"article_id=01", "article_id"}, {"article_id=%2B1", "article_id"}, {"assignee_id=0", "assignee_id"},
		{"source_id=1%20", "source_id"}, {"limit=%2B5", "limit"}, {"limit=05", "limit"}, {"limit=5.0", "limit"},
	} {
		w := e.as(viewer, "GET", "/api/v1/claims?"+tc.query, nil)
		wantProblem(t, w, http.StatusUnprocessableEntity, tc.field)
	}
	w = e.as(viewer, "GET", "/api/v1/claims?article_id=1&limit=5", nil)
	wantStatus(t, w, http.StatusOK)

	for _, id := range []string{"01", " 1", "+1"} {
		var buf bytes.Buffer
		mw := multipart.NewWriter(&buf)
		mw.WriteField("stance", "context")
		mw.WriteField("excerpt", "x")
		mw.WriteField("source_id", id)
		mw.Close()
		w := e.do(req{method: "POST", path: "/api/v1/claims/" + claim + "/evidence", body: buf.Bytes(), token: e.tokens[reviewer],
			header: map[string]string{"Content-Type": mw.FormDataContentType()}})
		wantProblem(t, w, http.StatusUnprocessableEntity, "source_id")
	}
}
