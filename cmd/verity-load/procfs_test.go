package main

import (
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestParseProcAddr(t *testing.T) {
	tests := []struct {
		in   string
		ip   string
		port int
	}{
		{"0100007F:1F90", "127.0.0.1", 8080},
		{"00000000:46A0", "0.0.0.0", 18080},
		{"00000000000000000000000001000000:0050", "::1", 80},
		{"0000000000000000FFFF00000100007F:46A0", "127.0.0.1", 18080},
		{"00000000000000000000000000000000:0016", "::", 22},
	}
	for _, tt := range tests {
		ip, port, err := parseProcAddr(tt.in)
		if err != nil || !ip.Equal(net.ParseIP(tt.ip)) || port != tt.port {
			t.Errorf("parseProcAddr(%q) = %v, %d, %v; want %s, %d", tt.in, ip, port, err, tt.ip, tt.port)
		}
	}
	for _, bad := range []string{"", "0100007F", "0100007F:XYZ", "01007F:1F90", "zz00007F:1F90"} {
		if _, _, err := parseProcAddr(bad); err == nil {
			t.Errorf("parseProcAddr(%q) accepted it", bad)
		}
	}
}

// TestListeningInodes reads a table shaped like /proc/net/tcp: only listening sockets on
// the port, bound to the address or to all addresses, count.
func TestListeningInodes(t *testing.T) {
	table := `  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode
   0: 0100007F:46A0 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 111 1 0000000000000000 100 0 0 10 0
   1: 0100007F:46A0 0100007F:C350 01 00000000:00000000 00:00000000 00000000     0        0 222 1 0000000000000000 20 4 30 10 -1
   2: 00000000:46A0 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 333 1 0000000000000000 100 0 0 10 0
   3: 0200007F:46A0 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 444 1 0000000000000000 100 0 0 10 0
   4: 0100007F:1F90 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 555 1 0000000000000000 100 0 0 10 0
`
	path := filepath.Join(t.TempDir(), "tcp")
	if err := os.WriteFile(path, []byte(table), 0o600); err != nil {
		t.Fatal(err)
	}
	got, err := listeningInodes(path, net.ParseIP("127.0.0.1"), 18080)
	if err != nil || strings.Join(got, ",") != "111,333" {
		t.Fatalf("inodes = %v, %v; want 111 and 333", got, err)
	}
}

func TestFindListenerFindsThisProcess(t *testing.T) {
	if _, err := os.Stat("/proc/net/tcp"); err != nil {
		t.Skip("no /proc/net/tcp here")
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	port := ln.Addr().(*net.TCPAddr).Port
	pid, err := findListener("/proc", net.ParseIP("127.0.0.1"), port)
	if err != nil || pid != os.Getpid() {
		t.Fatalf("findListener = %d, %v; want this process, %d", pid, err, os.Getpid())
	}
	s := startSampler("/proc", pid, time.Millisecond)
	peak, hwm, n, err := s.finish()
	if err != nil || peak <= 0 || hwm < peak || n < 2 {
		t.Errorf("sampler = peak %d, hwm %d, %d samples, %v", peak, hwm, n, err)
	}
	ln.Close()
	if _, err := findListener("/proc", net.ParseIP("127.0.0.1"), port); err == nil {
		t.Error("found a listener on a closed port")
	}
}

func TestDatabaseSize(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "v.db")
	os.WriteFile(path, make([]byte, 100), 0o600)
	os.WriteFile(path+"-wal", make([]byte, 20), 0o600)
	d := databaseSize(path)
	if d.Note != "" || d.Bytes != 120 || d.Files["v.db"] != 100 || d.Files["v.db-wal"] != 20 || len(d.Files) != 2 {
		t.Errorf("databaseSize = %+v", d)
	}
	if d := databaseSize(filepath.Join(dir, "missing.db")); d.Note == "" {
		t.Errorf("a missing file has no note: %+v", d)
	}
	if d := databaseSize("postgres://localhost/verity"); d.Note == "" {
		t.Errorf("a URL has no note: %+v", d)
	}
}

func TestLatencies(t *testing.T) {
	var ds []time.Duration
	for i := 100; i >= 1; i-- { // out of order on purpose
		ds = append(ds, time.Duration(i)*time.Millisecond)
	}
	got := latencies(ds)
	want := latency{P50: 50, P95: 95, P99: 99, Max: 100}
	if got != want {
		t.Errorf("latencies = %+v, want %+v", got, want)
	}
	if got := latencies([]time.Duration{3 * time.Millisecond}); got != (latency{P50: 3, P95: 3, P99: 3, Max: 3}) {
		t.Errorf("one sample: %+v", got)
	}
	if got := latencies(nil); got != (latency{}) {
		t.Errorf("no samples: %+v", got)
	}
}
