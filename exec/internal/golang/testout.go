package golang

import (
	"encoding/json"
	"strings"

	"github.com/lessonl/lessonl/exec/internal/core"
)

// caseMark is the harness's note before each call of the differential check:
// if the process dies, the last one says whose call it was and on what input.
type caseMark struct {
	Case    int    `json:"case"`
	Call    string `json:"call"` // "original" or "variant"
	Seed    int64  `json:"seed"`
	Profile string `json:"profile"`
	Input   string `json:"input"`
}

// testOutput is what a test binary run with -test.v printed.
type testOutput struct {
	status   map[string]string // top-level test -> PASS, FAIL or SKIP
	output   map[string]string // top-level test -> its lines
	order    []string          // top-level tests in the order they started
	running  string            // the top-level test that started and did not end
	crash    string            // "panic: ..." or "fatal error: ..." and what follows
	crashIn  string            // the test the crash happened in, when known
	timedOut bool              // -test.timeout fired
	result   *core.DiffResult  // the differential check's result line
	lastCase *caseMark
	tail     string // the last lines, for unexplained exits
}

func topTest(name string) string {
	if i := strings.IndexByte(name, '/'); i >= 0 {
		return name[:i]
	}
	return name
}

func parseTestOutput(out string) *testOutput {
	to := &testOutput{status: map[string]string{}, output: map[string]string{}}
	lines := strings.Split(out, "\n")
	bufs := map[string]*strings.Builder{}
	current, lastFailed := "", ""
	crashAt := -1
	for i, l := range lines {
		if crashAt >= 0 {
			break
		}
		switch {
		case strings.HasPrefix(l, lessonlMarker+"CASE "):
			var c caseMark
			if json.Unmarshal([]byte(strings.TrimPrefix(l, lessonlMarker+"CASE ")), &c) == nil {
				to.lastCase = &c
			}
			continue
		case strings.HasPrefix(l, lessonlMarker+"RESULT "):
			var r core.DiffResult
			if json.Unmarshal([]byte(strings.TrimPrefix(l, lessonlMarker+"RESULT ")), &r) == nil {
				to.result = &r
			}
			continue
		case strings.HasPrefix(l, "=== "):
			f := strings.Fields(l)
			if len(f) >= 3 {
				current = topTest(f[2])
				if f[1] == "RUN" && !strings.Contains(f[2], "/") {
					to.order = append(to.order, f[2])
					to.running = f[2]
				}
			}
			continue
		case strings.HasPrefix(l, "--- PASS: "), strings.HasPrefix(l, "--- FAIL: "), strings.HasPrefix(l, "--- SKIP: "):
			f := strings.Fields(l)
			if len(f) >= 3 {
				name := f[2]
				to.status[name] = strings.TrimSuffix(f[1], ":")
				if to.status[name] == "FAIL" {
					lastFailed = name
				}
				if to.running == name {
					to.running = ""
				}
			}
			continue
		case strings.HasPrefix(l, "panic: ") || strings.HasPrefix(l, "fatal error: "):
			crashAt = i
			to.crash = strings.Join(lines[i:min(len(lines), i+40)], "\n")
			to.timedOut = strings.HasPrefix(l, "panic: test timed out")
			to.crashIn = to.running
			if to.crashIn == "" {
				to.crashIn = lastFailed
			}
			if to.timedOut {
				// "running tests:" then one tab-indented "TestX (5s)" per test.
				for _, r := range lines[i+1 : min(len(lines), i+10)] {
					if f := strings.Fields(r); len(f) == 2 && strings.HasPrefix(f[1], "(") && strings.HasPrefix(strings.TrimSpace(r), "Test") {
						to.running = topTest(f[0])
						to.crashIn = to.running
						break
					}
				}
			}
			continue
		}
		if current != "" {
			b := bufs[current]
			if b == nil {
				b = &strings.Builder{}
				bufs[current] = b
			}
			b.WriteString(l)
			b.WriteString("\n")
		}
	}
	for k, b := range bufs {
		to.output[k] = b.String()
	}
	to.tail = strings.Join(lines[max(0, len(lines)-20):], "\n")
	return to
}
