// Package web holds the reviewer pages' templates and static assets, embedded in the binary,
// and renders them: one layout, shared partials and one template per page, all parsed when
// the server starts, so that a broken template fails the start and never a request. It knows
// nothing of the domain; the http package builds each page's view and hands it over.
package web

import (
	"bytes"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"fmt"
	"html/template"
	"io"
	"io/fs"
	"net/http"
	"path"
	"reflect"
	"strconv"
	"strings"
	"time"
)

//go:embed templates/*.tmpl static/*
var files embed.FS

// Renderer renders pages and serves the static assets they use.
type Renderer struct {
	pages  map[string]*template.Template
	static fs.FS
	// versions maps an asset's name to a hash of its content, so that its URL changes when it
	// does and browsers may cache it for good.
	versions map[string]string
}

// shared are the templates every page is parsed with.
var shared = []string{"templates/layout.tmpl", "templates/partials.tmpl"}

// New parses every page template with the layout and partials. funcs are the helpers the
// http package gives the templates, added to the renderer's own.
func New(funcs template.FuncMap) (*Renderer, error) {
	static, err := fs.Sub(files, "static")
	if err != nil {
		return nil, err
	}
	r := &Renderer{pages: map[string]*template.Template{}, static: static, versions: map[string]string{}}
	err = fs.WalkDir(static, ".", func(name string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := fs.ReadFile(static, name)
		if err != nil {
			return err
		}
		sum := sha256.Sum256(b)
		r.versions[name] = hex.EncodeToString(sum[:6])
		return nil
	})
	if err != nil {
		return nil, err
	}
	all := template.FuncMap{"asset": r.Asset}
	for k, v := range helpers() {
		all[k] = v
	}
	for k, v := range funcs {
		all[k] = v
	}
	pages, err := fs.Glob(files, "templates/*.tmpl")
	if err != nil {
		return nil, err
	}
	for _, p := range pages {
		if isShared(p) {
			continue
		}
		name := strings.TrimSuffix(path.Base(p), ".tmpl")
		t, err := template.New(name).Funcs(all).ParseFS(files, append(append([]string{}, shared...), p)...)
		if err != nil {
			return nil, fmt.Errorf("parse template %s: %w", name, err)
		}
		r.pages[name] = t
	}
	return r, nil
}

func isShared(p string) bool {
	for _, s := range shared {
		if s == p {
			return true
		}
	}
	return false
}

// Render writes page with data. It renders into a buffer first, so that a template that
// fails halfway never sends half a page.
func (r *Renderer) Render(w io.Writer, page string, data any) error {
	t, ok := r.pages[page]
	if !ok {
		return fmt.Errorf("no page template %q", page)
	}
	var buf bytes.Buffer
	if err := t.ExecuteTemplate(&buf, "layout", data); err != nil {
		return fmt.Errorf("render %s: %w", page, err)
	}
	_, err := buf.WriteTo(w)
	return err
}

// Asset returns the URL of a static file, carrying its content's hash.
func (r *Renderer) Asset(name string) (string, error) {
	v, ok := r.versions[name]
	if !ok {
		return "", fmt.Errorf("no static asset %q", name)
	}
	return "/static/" + name + "?v=" + v, nil
}

// ServeStatic answers a request for /static/name. A URL that carries the file's current
// hash may be cached for a year; any other is revalidated each time.
func (r *Renderer) ServeStatic(w http.ResponseWriter, req *http.Request, name string) {
	name = strings.TrimPrefix(name, "/")
	v, ok := r.versions[name]
	if !ok {
		http.NotFound(w, req)
		return
	}
	if req.URL.Query().Get("v") == v {
		w.Header().Set("Cache-Control", "public, max-age=31536000, immutable")
	} else {
		w.Header().Set("Cache-Control", "no-cache")
	}
	w.Header().Set("ETag", `"`+v+`"`)
	b, err := fs.ReadFile(r.static, name)
	if err != nil {
		http.NotFound(w, req)
		return
	}
	http.ServeContent(w, req, name, time.Time{}, bytes.NewReader(b))
}

// helpers are the renderer's own template functions: presentation only.
func helpers() template.FuncMap {
	return template.FuncMap{
		// label turns an enum value such as awaiting_signoff into words.
		"label": func(v any) string {
			s := strings.ReplaceAll(fmt.Sprint(v), "_", " ")
			if s == "" {
				return s
			}
			return strings.ToUpper(s[:1]) + s[1:]
		},
		"date": func(t any) string {
			switch v := t.(type) {
			case time.Time:
				return v.UTC().Format("2 Jan 2006, 15:04 UTC")
			case *time.Time:
				if v == nil {
					return ""
				}
				return v.UTC().Format("2 Jan 2006, 15:04 UTC")
			}
			return ""
		},
		"day": func(t *time.Time) string {
			if t == nil {
				return ""
			}
			return t.UTC().Format("2 January 2006")
		},
		// eq1 compares values of different types by their text: an option's id with the
		// value a form sent back.
		"eq1": func(a, b any) bool { return fmt.Sprint(a) == fmt.Sprint(b) },
		"deref": func(p *float64) string {
			if p == nil {
				return ""
			}
			return formatNumber(*p)
		},
		// val is what a pointer points at: a pending proposal's status, say.
		"val": func(v any) any {
			r := reflect.ValueOf(v)
			for r.Kind() == reflect.Pointer {
				if r.IsNil() {
					return ""
				}
				r = r.Elem()
			}
			return r.Interface()
		},
	}
}

// formatNumber writes a quantity as a newsroom would: 2,200 and 1.5, not 2200 or 1.500000.
func formatNumber(v float64) string {
	s := strconv.FormatFloat(v, 'f', -1, 64)
	sign := ""
	if strings.HasPrefix(s, "-") {
		sign, s = "-", s[1:]
	}
	whole, frac, hasFrac := strings.Cut(s, ".")
	var b strings.Builder
	for i, d := range whole {
		if i > 0 && (len(whole)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(d)
	}
	if hasFrac {
		b.WriteString("." + frac)
	}
	return sign + b.String()
}
