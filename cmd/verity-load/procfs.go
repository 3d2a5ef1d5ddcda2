package main

import (
	"bufio"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"
)

// tcpListen is the state of a listening socket in /proc/net/tcp.
const tcpListen = "0A"

// findListener returns the pid of the process that listens on ip:port, found through the
// socket's inode in proc/net/tcp and tcp6 and the fd links of proc/*/fd. A socket bound to
// the unspecified address (0.0.0.0, ::) listens on ip too.
func findListener(proc string, ip net.IP, port int) (int, error) {
	inodes := map[string]bool{}
	for _, table := range []string{"net/tcp", "net/tcp6"} {
		found, err := listeningInodes(filepath.Join(proc, table), ip, port)
		if err != nil && !errors.Is(err, os.ErrNotExist) {
			return 0, err
		}
		for _, ino := range found {
			inodes["socket:["+ino+"]"] = true
		}
	}
	if len(inodes) == 0 {
		return 0, fmt.Errorf("no process listens on %s in %s/net/tcp", net.JoinHostPort(ip.String(), strconv.Itoa(port)), proc)
	}
	procs, err := os.ReadDir(proc)
	if err != nil {
		return 0, err
	}
	for _, p := range procs {
		pid, err := strconv.Atoi(p.Name())
		if err != nil {
			continue
		}
		fds, err := os.ReadDir(filepath.Join(proc, p.Name(), "fd"))
		if err != nil {
			continue // gone, or not ours to read
		}
		for _, fd := range fds {
			if link, err := os.Readlink(filepath.Join(proc, p.Name(), "fd", fd.Name())); err == nil && inodes[link] {
				return pid, nil
			}
		}
	}
	return 0, fmt.Errorf("the socket listening on port %d belongs to no process this user may inspect; pass --server-pid", port)
}

// listeningInodes reads one /proc/net/tcp table and returns the inodes of the sockets that
// listen on ip:port.
func listeningInodes(path string, ip net.IP, port int) ([]string, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var out []string
	sc := bufio.NewScanner(f)
	sc.Scan() // the header
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		if len(fields) < 10 || fields[3] != tcpListen {
			continue
		}
		addr, p, err := parseProcAddr(fields[1])
		if err != nil || p != port {
			continue
		}
		if addr.IsUnspecified() || addr.Equal(ip) {
			out = append(out, fields[9])
		}
	}
	return out, sc.Err()
}

// parseProcAddr reads an address of /proc/net/tcp{,6}: the IP as hex 32-bit words, each in
// the kernel's byte order (little-endian here), a colon, and the port in hex.
func parseProcAddr(s string) (net.IP, int, error) {
	host, portHex, ok := strings.Cut(s, ":")
	if !ok {
		return nil, 0, fmt.Errorf("no port in %q", s)
	}
	port, err := strconv.ParseUint(portHex, 16, 16)
	if err != nil {
		return nil, 0, err
	}
	raw, err := hex.DecodeString(host)
	if err != nil || (len(raw) != net.IPv4len && len(raw) != net.IPv6len) {
		return nil, 0, fmt.Errorf("bad address %q", s)
	}
	for i := 0; i < len(raw); i += 4 {
		raw[i], raw[i+1], raw[i+2], raw[i+3] = raw[i+3], raw[i+2], raw[i+1], raw[i]
	}
	return net.IP(raw), int(port), nil
}

// readMemory returns a process's resident set and its high-water mark, from proc/PID/status.
func readMemory(proc string, pid int) (rss, hwm int64, err error) {
	b, err := os.ReadFile(filepath.Join(proc, strconv.Itoa(pid), "status"))
	if err != nil {
		return 0, 0, err
	}
	for _, line := range strings.Split(string(b), "\n") {
		name, value, ok := strings.Cut(line, ":")
		if !ok || (name != "VmRSS" && name != "VmHWM") {
			continue
		}
		f := strings.Fields(value)
		if len(f) != 2 || f[1] != "kB" {
			return 0, 0, fmt.Errorf("unexpected %s line %q", name, line)
		}
		kb, err := strconv.ParseInt(f[0], 10, 64)
		if err != nil {
			return 0, 0, err
		}
		if name == "VmRSS" {
			rss = kb << 10
		} else {
			hwm = kb << 10
		}
	}
	if rss == 0 {
		return 0, 0, fmt.Errorf("no VmRSS for pid %d", pid)
	}
	return rss, hwm, nil
}

// sampler reads a process's memory at an interval and keeps the peak.
type sampler struct {
	proc string
	pid  int
	stop chan struct{}
	done chan struct{}

	mu      sync.Mutex
	peak    int64
	hwm     int64
	samples int
	err     error
}

func startSampler(proc string, pid int, every time.Duration) *sampler {
	s := &sampler{proc: proc, pid: pid, stop: make(chan struct{}), done: make(chan struct{})}
	s.sample()
	go func() {
		defer close(s.done)
		t := time.NewTicker(every)
		defer t.Stop()
		for {
			select {
			case <-s.stop:
				return
			case <-t.C:
				s.sample()
			}
		}
	}()
	return s
}

func (s *sampler) sample() {
	rss, hwm, err := readMemory(s.proc, s.pid)
	s.mu.Lock()
	defer s.mu.Unlock()
	if err != nil {
		if s.err == nil {
			s.err = err
		}
		return
	}
	s.samples++
	s.peak = max(s.peak, rss)
	s.hwm = max(s.hwm, hwm)
}

// finish stops sampling, takes a last sample and returns the peak RSS, the high-water mark
// and the number of samples, or the first error when no sample succeeded.
func (s *sampler) finish() (peak, hwm int64, samples int, err error) {
	close(s.stop)
	<-s.done
	s.sample()
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.samples == 0 {
		return 0, 0, 0, s.err
	}
	return s.peak, s.hwm, s.samples, nil
}

// databaseSize sums a SQLite database's file and its -wal and -shm files.
func databaseSize(path string) *databaseReport {
	d := &databaseReport{Path: path, Files: map[string]int64{}}
	if strings.Contains(path, "://") {
		d.Note = "not a SQLite file path; sizes are measured for SQLite only"
		return d
	}
	for _, suffix := range []string{"", "-wal", "-shm"} {
		st, err := os.Stat(path + suffix)
		if errors.Is(err, os.ErrNotExist) && suffix != "" {
			continue
		}
		if err != nil {
			d.Note = err.Error()
			return d
		}
		d.Files[filepath.Base(path+suffix)] = st.Size()
		d.Bytes += st.Size()
	}
	return d
}
