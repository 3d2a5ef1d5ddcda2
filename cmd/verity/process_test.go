package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// The tests in this file and its neighbours start `verity serve` as a real process, built
// once per test binary, to do what an in-process server cannot show: a SIGKILL, a real
// listener's timeouts, many real connections.

// binaries builds the verity binary once for every test that needs it.
type binaries struct {
	once sync.Once
	dir  string
	path string
	err  error
}

var built binaries

func TestMain(m *testing.M) {
	code := m.Run()
	if built.dir != "" {
		os.RemoveAll(built.dir)
	}
	os.Exit(code)
}

// verityBinary returns the path of a verity binary built from this package.
func verityBinary(t *testing.T) string {
	t.Helper()
	built.once.Do(func() {
		if built.dir, built.err = os.MkdirTemp("", "verity-bin-"); built.err != nil {
			return
		}
		goTool, err := exec.LookPath("go")
		if err != nil {
			built.err = err
			return
		}
		built.path = filepath.Join(built.dir, "verity")
		cmd := exec.Command(goTool, "build", "-o", built.path, ".")
		if out, err := cmd.CombinedOutput(); err != nil {
			built.err = fmt.Errorf("go build: %v\n%s", err, out)
		}
	})
	if built.err != nil {
		t.Fatal(built.err)
	}
	return built.path
}

// serverProcess is one `verity serve` process.
type serverProcess struct {
	t   *testing.T
	cmd *exec.Cmd
	// base is the URL it listens on; metrics the URL of its --metrics-addr, if given.
	base, metrics string
	stderr        *syncBuffer
	exited        chan struct{}
	waitErr       error
}

var (
	listeningRe = regexp.MustCompile(`Verity is listening on (http://\S+)`)
	metricsRe   = regexp.MustCompile(`Metrics are served on (http://\S+)/metrics`)
)

// startServer starts `verity serve` over dsn on a free loopback port, with args added, and
// waits until it says where it listens. It is killed when t ends, if still running.
func startServer(t *testing.T, dsn string, args ...string) *serverProcess {
	t.Helper()
	cmd := exec.Command(verityBinary(t), append([]string{"serve", "--db", dsn, "--addr", "127.0.0.1:0"}, args...)...)
	cmd.Env = append(os.Environ(), "VERITY_DB=", "VERITY_ADDR=")
	p := &serverProcess{t: t, cmd: cmd, stderr: &syncBuffer{}, exited: make(chan struct{})}
	cmd.Stderr = p.stderr
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	lines := make(chan string)
	go func() {
		s := bufio.NewScanner(stdout)
		for s.Scan() {
			lines <- s.Text()
		}
		close(lines)
		p.waitErr = cmd.Wait()
		close(p.exited)
	}()
	t.Cleanup(p.kill)
	wantMetrics := strings.Contains(strings.Join(args, " "), "--metrics-addr")
	// A bound so that a server that never starts fails the test instead of hanging it.
	timeout := time.After(2 * time.Minute)
	for p.base == "" || wantMetrics && p.metrics == "" {
		select {
		case line, ok := <-lines:
			if !ok {
				<-p.exited
				t.Fatalf("verity serve exited before listening (%v): %s", p.waitErr, p.stderr.String())
			}
			if m := listeningRe.FindStringSubmatch(line); m != nil {
				p.base = m[1]
			}
			if m := metricsRe.FindStringSubmatch(line); m != nil {
				p.metrics = m[1]
			}
		case <-timeout:
			p.kill()
			t.Fatalf("verity serve did not listen: %s", p.stderr.String())
		}
	}
	go func() {
		for range lines { // keep reading, so that the process never blocks on stdout
		}
	}()
	return p
}

// kill sends SIGKILL, as a crash or the out-of-memory killer would, and waits for the
// process to be gone.
func (p *serverProcess) kill() {
	select {
	case <-p.exited:
		return
	default:
	}
	_ = p.cmd.Process.Signal(syscall.SIGKILL)
	<-p.exited
}

// stop sends SIGTERM and waits for the graceful shutdown.
func (p *serverProcess) stop() {
	_ = p.cmd.Process.Signal(syscall.SIGTERM)
	<-p.exited
}

// adminToken makes a token for the admin the first serve created, as an operator would.
func adminToken(t *testing.T, dsn string) string {
	t.Helper()
	out, errOut, err := runCLI(t, "", "token", "create", "--db", dsn, "--email", "admin@verity.local")
	if err != nil {
		t.Fatalf("token create: %v %s", err, errOut)
	}
	return strings.TrimSpace(out)
}

// userToken adds a user with role and returns a token for them.
func userToken(t *testing.T, dsn, email, role string) string {
	t.Helper()
	if _, errOut, err := runCLI(t, "", "user", "add", "--db", dsn, "--email", email, "--name", email, "--role", role); err != nil {
		t.Fatalf("user add: %v %s", err, errOut)
	}
	out, errOut, err := runCLI(t, "", "token", "create", "--db", dsn, "--email", email)
	if err != nil {
		t.Fatalf("token create: %v %s", err, errOut)
	}
	return strings.TrimSpace(out)
}

// apiClient sends JSON requests to one server with one token.
type apiClient struct {
	base, token string
	http        *http.Client
}

func newAPIClient(base, token string, conns int) *apiClient {
	tr := &http.Transport{MaxIdleConns: conns, MaxIdleConnsPerHost: conns, IdleConnTimeout: 30 * time.Second}
	return &apiClient{base: base, token: token, http: &http.Client{Transport: tr, Timeout: 2 * time.Minute}}
}

// call sends one request; body is marshalled as JSON unless nil. It returns the status, the
// ETag and the body, or the transport's error.
func (c *apiClient) call(method, path string, body any, header ...string) (int, string, []byte, error) {
	var r io.Reader
	if body != nil {
		raw, err := json.Marshal(body)
		if err != nil {
			return 0, "", nil, err
		}
		r = bytes.NewReader(raw)
	}
	req, err := http.NewRequest(method, c.base+path, r)
	if err != nil {
		return 0, "", nil, err
	}
	req.Header.Set("Authorization", "Bearer "+c.token)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return 0, "", nil, err
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header.Get("ETag"), raw, err
}

// mustCall is call that fails t on a transport error or a status other than want.
func (c *apiClient) mustCall(t *testing.T, want int, method, path string, body any, header ...string) (string, []byte) {
	t.Helper()
	status, etag, raw, err := c.call(method, path, body, header...)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	if status != want {
		t.Fatalf("%s %s: %d %s, want %d", method, path, status, raw, want)
	}
	return etag, raw
}
