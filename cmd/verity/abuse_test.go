package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime/multipart"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"verity/migrations/dbtest"
)

// rawConn is a client that writes bytes as it pleases, as a slow or hostile one does.
type rawConn struct {
	t    *testing.T
	conn net.Conn
	r    *bufio.Reader
}

func dialRaw(t *testing.T, base string) *rawConn {
	t.Helper()
	conn, err := net.Dial("tcp", strings.TrimPrefix(base, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	return &rawConn{t: t, conn: conn, r: bufio.NewReader(conn)}
}

func (c *rawConn) send(s string) {
	c.t.Helper()
	if _, err := io.WriteString(c.conn, s); err != nil {
		c.t.Fatal(err)
	}
}

// sendAll writes s on its own goroutine, ignoring write errors: the server may answer and
// close before it has read a body over its limit, and the answer is what counts.
func (c *rawConn) sendAll(s ...string) {
	go func() {
		for _, part := range s {
			if _, err := io.WriteString(c.conn, part); err != nil {
				return
			}
		}
	}()
}

// response reads the answer to what was sent.
func (c *rawConn) response() (*http.Response, []byte) {
	c.t.Helper()
	// A bound so that a server that never answers fails the test instead of hanging it.
	c.conn.SetReadDeadline(time.Now().Add(2 * time.Minute))
	resp, err := http.ReadResponse(c.r, nil)
	if err != nil {
		c.t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp, body
}

// closedByServer waits for the server to close the connection, and fails if it answers
// something instead or does not close it within the bound.
func (c *rawConn) closedByServer() {
	c.t.Helper()
	c.conn.SetReadDeadline(time.Now().Add(2 * time.Minute))
	n, err := c.r.Read(make([]byte, 1))
	var ne net.Error
	switch {
	case n > 0:
		c.t.Errorf("the server answered an idle connection")
	case errors.As(err, &ne) && ne.Timeout():
		c.t.Errorf("the server kept an idle connection open for minutes")
	}
}

// firstClaim returns the id of the first claim the server lists.
func firstClaim(t *testing.T, c *apiClient) string {
	t.Helper()
	_, raw := c.mustCall(t, 200, "GET", "/api/v1/claims?limit=1", nil)
	var page struct {
		Data []struct {
			ID string `json:"id"`
		} `json:"data"`
	}
	if err := json.Unmarshal(raw, &page); err != nil || len(page.Data) != 1 {
		t.Fatalf("claims: %s", raw)
	}
	return page.Data[0].ID
}

// evidenceUpload returns the request line and headers, and the multipart body, of an
// evidence upload with attachment to claim.
func evidenceUpload(claim, token string, attachment []byte) (head, body string) {
	var form bytes.Buffer
	mw := multipart.NewWriter(&form)
	mw.WriteField("stance", "supports")
	mw.WriteField("title", "A scan")
	fw, _ := mw.CreateFormFile("attachment", "scan.txt")
	fw.Write(attachment)
	mw.Close()
	head = fmt.Sprintf("POST /api/v1/claims/%s/evidence HTTP/1.1\r\nHost: verity\r\nAuthorization: Bearer %s\r\nContent-Type: %s\r\nContent-Length: %d\r\n\r\n",
		claim, token, mw.FormDataContentType(), form.Len())
	return head, form.String()
}

func jsonRequest(method, path, token, body string) string {
	return fmt.Sprintf("%s %s HTTP/1.1\r\nHost: verity\r\nAuthorization: Bearer %s\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n%s",
		method, path, token, len(body), body)
}

// TestSlowClientsStallNobody holds a real server's connections open in every slow way a
// client can (connections that send nothing, headers that never end, bodies that stop
// halfway, an attachment upload that stops halfway) and shows that other people's reads
// and writes are answered meanwhile, that each slow client is still served once it goes on,
// and that the server closes the connections that never send a request.
func TestSlowClientsStallNobody(t *testing.T) {
	t.Parallel()
	const idle, slowHeaders, slowBodies = 200, 20, 5
	dsn := dbtest.DSN(t)
	server := startServer(t, dsn)
	token := adminToken(t, dsn)
	admin := newAPIClient(server.base, token, 2)
	claim := firstClaim(t, admin)

	idlers := make([]*rawConn, idle)
	for i := range idlers {
		idlers[i] = dialRaw(t, server.base)
	}
	headers := make([]*rawConn, slowHeaders)
	for i := range headers {
		headers[i] = dialRaw(t, server.base)
		headers[i].send("GET /healthz HTTP/1.1\r\nHost: verity\r\nX-Slow: ")
	}
	bodies := make([]*rawConn, slowBodies)
	rests := make([]string, slowBodies)
	for i := range bodies {
		bodies[i] = dialRaw(t, server.base)
		req := jsonRequest("POST", "/api/v1/sources", token, fmt.Sprintf(`{"kind":"organisation","name":"Slow source %d","reliability":"C"}`, i))
		half := len(req) - 30
		bodies[i].send(req[:half])
		rests[i] = req[half:]
	}
	head, form := evidenceUpload(claim, token, bytes.Repeat([]byte("scanned page "), 4096))
	upload := dialRaw(t, server.base)
	upload.send(head)
	upload.send(form[:len(form)/2])

	// Everyone else is served while all of those wait: reads, and a write, which would queue
	// behind any slow client that held the writer.
	admin.mustCall(t, 200, "GET", "/healthz", nil)
	admin.mustCall(t, 200, "GET", "/api/v1/claims/"+claim, nil)
	admin.mustCall(t, 201, "POST", "/api/v1/sources", map[string]any{"kind": "organisation", "name": "Not slow", "reliability": "B"})

	// The slow clients go on, and are answered.
	for _, c := range headers {
		c.send("1\r\n\r\n")
		if resp, body := c.response(); resp.StatusCode != 200 {
			t.Errorf("slow headers: %d %s", resp.StatusCode, body)
		}
	}
	for i, c := range bodies {
		c.send(rests[i])
		if resp, body := c.response(); resp.StatusCode != 201 {
			t.Errorf("slow body: %d %s", resp.StatusCode, body)
		}
	}
	upload.send(form[len(form)/2:])
	if resp, body := upload.response(); resp.StatusCode != 201 {
		t.Errorf("slow upload: %d %s", resp.StatusCode, body)
	}

	// A connection that never sends a request is closed once the header timeout passes,
	// so idle connections cannot pile up.
	for _, c := range idlers {
		c.closedByServer()
	}
	admin.mustCall(t, 200, "GET", "/healthz", nil)
	server.stop()
}

// TestOversizedRequestsAreRefused sends a real server requests over each of its limits: each
// is refused with its status, and nothing is changed.
func TestOversizedRequestsAreRefused(t *testing.T) {
	t.Parallel()
	dsn := dbtest.DSN(t)
	server := startServer(t, dsn, "--max-upload-bytes", "4096")
	token := adminToken(t, dsn)
	admin := newAPIClient(server.base, token, 2)
	head := func() string {
		t.Helper()
		_, raw := admin.mustCall(t, 200, "GET", "/api/v1/audit/verify", nil)
		var r struct {
			HeadHash string `json:"head_hash"`
		}
		if err := json.Unmarshal(raw, &r); err != nil {
			t.Fatal(err)
		}
		return r.HeadHash
	}
	before := head()
	claim := firstClaim(t, admin)

	t.Run("headers over 64 KiB", func(t *testing.T) {
		c := dialRaw(t, server.base)
		c.send("GET /healthz HTTP/1.1\r\nHost: verity\r\nX-Big: " + strings.Repeat("a", 70<<10) + "\r\n\r\n")
		if resp, _ := c.response(); resp.StatusCode != http.StatusRequestHeaderFieldsTooLarge {
			t.Errorf("%d, want 431", resp.StatusCode)
		}
	})
	huge := `{"kind":"organisation","reliability":"C","name":"` + strings.Repeat("x", 9<<20) + `"}`
	t.Run("a JSON body over 8 MiB", func(t *testing.T) {
		c := dialRaw(t, server.base)
		c.sendAll(jsonRequest("POST", "/api/v1/sources", token, huge))
		resp, body := c.response()
		if resp.StatusCode != http.StatusRequestEntityTooLarge || !strings.Contains(resp.Header.Get("Content-Type"), "problem+json") {
			t.Errorf("%d %s %.200s, want a 413 problem", resp.StatusCode, resp.Header.Get("Content-Type"), body)
		}
	})
	t.Run("a chunked JSON body over 8 MiB", func(t *testing.T) {
		c := dialRaw(t, server.base)
		parts := []string{fmt.Sprintf("POST /api/v1/sources HTTP/1.1\r\nHost: verity\r\nAuthorization: Bearer %s\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n", token)}
		for rest := huge; rest != ""; {
			n := min(len(rest), 1<<20)
			parts = append(parts, fmt.Sprintf("%x\r\n%s\r\n", n, rest[:n]))
			rest = rest[n:]
		}
		c.sendAll(append(parts, "0\r\n\r\n")...)
		if resp, body := c.response(); resp.StatusCode != http.StatusRequestEntityTooLarge {
			t.Errorf("%d %.200s, want 413", resp.StatusCode, body)
		}
	})
	t.Run("an attachment over --max-upload-bytes", func(t *testing.T) {
		head, form := evidenceUpload(claim, token, bytes.Repeat([]byte("x"), 5000))
		c := dialRaw(t, server.base)
		c.sendAll(head, form)
		if resp, body := c.response(); resp.StatusCode != http.StatusRequestEntityTooLarge {
			t.Errorf("%d %.200s, want 413", resp.StatusCode, body)
		}
	})
	if after := head(); after != before {
		t.Errorf("the audit head moved from %s to %s: a refused request changed something", before, after)
	}
	server.stop()
}
