package main

import (
	"bytes"
	"fmt"
	"os"
	"strconv"
	"time"
)

// clockTick is Linux's USER_HZ, the unit of the CPU times in /proc: 100 on
// every architecture Go runs Linux on.
const clockTick = time.Second / 100

// procRSS returns the resident set of process pid in KiB, from
// /proc/<pid>/status.
func procRSS(pid int) (int64, error) {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, err
	}
	for line := range bytes.Lines(data) {
		if rest, ok := bytes.CutPrefix(line, []byte("VmRSS:")); ok {
			f := bytes.Fields(rest)
			if len(f) > 0 {
				return strconv.ParseInt(string(f[0]), 10, 64)
			}
		}
	}
	return 0, fmt.Errorf("no VmRSS in /proc/%d/status", pid)
}

// procCPU returns the user and system CPU time process proc ("self" or a
// PID) used so far, from /proc/<proc>/stat.
func procCPU(proc string) (time.Duration, error) {
	data, err := os.ReadFile("/proc/" + proc + "/stat")
	if err != nil {
		return 0, err
	}
	// The command name (field 2) is in parentheses and may hold spaces.
	i := bytes.LastIndexByte(data, ')')
	if i < 0 {
		return 0, fmt.Errorf("unexpected /proc/%s/stat", proc)
	}
	f := bytes.Fields(data[i+1:])
	if len(f) < 13 {
		return 0, fmt.Errorf("unexpected /proc/%s/stat", proc)
	}
	// f[0] is field 3 (state): utime and stime are fields 14 and 15.
	utime, err1 := strconv.ParseInt(string(f[11]), 10, 64)
	stime, err2 := strconv.ParseInt(string(f[12]), 10, 64)
	if err1 != nil || err2 != nil {
		return 0, fmt.Errorf("unexpected /proc/%s/stat", proc)
	}
	return time.Duration(utime+stime) * clockTick, nil
}

// cpuMeter measures the CPU use of the tool and, with a PID, the server.
type cpuMeter struct {
	pid        int
	self, srv  time.Duration
	wall       time.Time
	srvFailing bool
}

func newCPUMeter(pid int) *cpuMeter {
	m := &cpuMeter{pid: pid}
	m.lap()
	return m
}

// lap returns the CPU use since the previous lap as percent of one core.
func (m *cpuMeter) lap() (self, server float64) {
	now := time.Now()
	wall := now.Sub(m.wall)
	s, _ := procCPU("self")
	self = percent(s-m.self, wall)
	m.self, m.wall = s, now
	if m.pid > 0 {
		v, err := procCPU(strconv.Itoa(m.pid))
		m.srvFailing = err != nil
		server = percent(v-m.srv, wall)
		m.srv = v
	}
	return self, server
}

func percent(cpu, wall time.Duration) float64 {
	if wall <= 0 {
		return 0
	}
	return float64(int64(1000*float64(cpu)/float64(wall)+0.5)) / 10
}
