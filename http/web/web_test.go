package web_test

import (
	"bytes"
	"html/template"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"verity/http/web"
)

// funcs stand for the helpers the http package gives the templates.
var funcs = template.FuncMap{"icon": func(any) string { return "✓" }}

func TestRendererServesVersionedAssets(t *testing.T) {
	r, err := web.New(funcs)
	if err != nil {
		t.Fatal(err)
	}
	url, err := r.Asset("app.css")
	if err != nil || !strings.HasPrefix(url, "/static/app.css?v=") {
		t.Fatalf("Asset = %q, %v", url, err)
	}
	if _, err := r.Asset("missing.css"); err == nil {
		t.Error("an asset that does not exist has a URL")
	}
	for _, c := range []struct {
		target, cache string
		status        int
	}{
		{url, "public, max-age=31536000, immutable", http.StatusOK},
		{"/static/app.css?v=old", "no-cache", http.StatusOK},
		{"/static/app.css", "no-cache", http.StatusOK},
		{"/static/nothing.js", "", http.StatusNotFound},
	} {
		req := httptest.NewRequest(http.MethodGet, c.target, nil)
		w := httptest.NewRecorder()
		r.ServeStatic(w, req, strings.TrimPrefix(strings.Split(c.target, "?")[0], "/static"))
		if w.Code != c.status || w.Header().Get("Cache-Control") != c.cache {
			t.Errorf("%s: %d %q", c.target, w.Code, w.Header().Get("Cache-Control"))
		}
	}
}

func TestRenderUnknownPage(t *testing.T) {
	r, err := web.New(funcs)
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := r.Render(&buf, "no-such-page", nil); err == nil || buf.Len() != 0 {
		t.Errorf("rendering an unknown page: %v, %d bytes", err, buf.Len())
	}
}
