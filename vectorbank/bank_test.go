package vectorbank

import (
	"bufio"
	"context"
	"fmt"
	"hash/fnv"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// The test binary doubles as a second process: with VECTORBANK_HELPER set it
// runs helperMain instead of the tests (see startHelper).
func TestMain(m *testing.M) {
	if os.Getenv("VECTORBANK_HELPER") != "" {
		os.Exit(helperMain())
	}
	code := m.Run()
	if benchRoot != "" {
		os.RemoveAll(benchRoot)
	}
	os.Exit(code)
}

// helperMain adds VB_N lessons tagged VB_TAG to the store VB_STORE, printing
// each ID as it is stored; then, if VB_WANT is set, selects until it sees
// that many lessons (the other process's included) and prints "saw N".
func helperMain() int {
	ctx := context.Background()
	n, _ := strconv.Atoi(os.Getenv("VB_N"))
	want, _ := strconv.Atoi(os.Getenv("VB_WANT"))
	tag := os.Getenv("VB_TAG")
	b, err := Open(os.Getenv("VB_STORE"), NewHashEmbedder())
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer b.Close()
	pad := strings.Repeat("x := y + z\n", 40) // some code, as real lessons carry
	for i := 0; i < n; i++ {
		l, err := b.Add(ctx, Lesson{Text: distinctText(tag, i),
			Outcome: OutcomeFaster, Speedup: 1 + float64(i%7)/3, Lang: "go", ProblemKey: tag, Variant: pad})
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 1
		}
		fmt.Println("added", l.ID)
	}
	if want == 0 {
		return 0
	}
	deadline := time.Now().Add(2 * time.Minute)
	for {
		got, err := b.Select(ctx, Query{Code: "for i := range xs { s += xs[i] }", Lang: "go", K: want})
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 1
		}
		if len(got) == want {
			fmt.Println("saw", len(got))
			return 0
		}
		if time.Now().After(deadline) {
			fmt.Fprintf(os.Stderr, "saw only %d of %d lessons\n", len(got), want)
			return 1
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// distinctText is a lesson text of made-up words unique to (tag, i): no two
// are near-duplicates, so a Select for all of them gets all of them.
func distinctText(tag string, i int) string {
	words := []string{tag, "lesson"}
	for j := range 6 {
		h := fnv.New64a()
		fmt.Fprintf(h, "%s/%d/%d", tag, i, j)
		x, w := h.Sum64(), make([]byte, 7)
		for k := range w {
			w[k] = byte('a' + x%26)
			x /= 26
		}
		words = append(words, string(w))
	}
	return strings.Join(words, " ")
}

func helperCmd(t *testing.T, store, tag string, n, want int) *exec.Cmd {
	t.Helper()
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(exe, "-test.run=^$")
	cmd.Env = append(os.Environ(), "VECTORBANK_HELPER=1", "VB_STORE="+store, "VB_TAG="+tag,
		"VB_N="+strconv.Itoa(n), "VB_WANT="+strconv.Itoa(want))
	cmd.Stderr = os.Stderr
	return cmd
}

// Two processes add 1,000 lessons each to one store at the same time: none is
// lost, and each selects the other's on its next Select.
func TestTwoProcessesShareOneStore(t *testing.T) {
	if testing.Short() {
		t.Skip("starts two processes adding 1,000 lessons each")
	}
	store := t.TempDir()
	const n = 1000
	watcher := openT(t, store) // open before the others add: its next Select must see them
	var cmds []*exec.Cmd
	var outs []*strings.Builder
	for _, tag := range []string{"alpha", "beta"} {
		cmd := helperCmd(t, store, tag, n, 2*n)
		out := &strings.Builder{}
		cmd.Stdout = out
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		cmds, outs = append(cmds, cmd), append(outs, out)
	}
	for i, cmd := range cmds {
		if err := cmd.Wait(); err != nil {
			t.Fatalf("helper %d: %v", i, err)
		}
		if !strings.Contains(outs[i].String(), fmt.Sprintf("saw %d\n", 2*n)) {
			t.Errorf("helper %d never saw all %d lessons", i, 2*n)
		}
	}
	sel, err := watcher.Select(context.Background(), Query{Code: "bounds check", Lang: "go", K: 2 * n})
	if err != nil || len(sel) != 2*n {
		t.Errorf("a bank opened before the adds selects %d lessons (%v), want %d", len(sel), err, 2*n)
	}
	b := openT(t, store)
	for _, tag := range []string{"alpha", "beta"} {
		if got := len(b.List(Filter{ProblemKey: tag})); got != n {
			t.Errorf("%s: %d lessons in the store, want %d", tag, got, n)
		}
	}
	for i, out := range outs {
		for _, line := range strings.Split(strings.TrimSpace(out.String()), "\n") {
			if id, ok := strings.CutPrefix(line, "added "); ok {
				if _, ok := b.Get(id); !ok {
					t.Fatalf("helper %d added %s, which is not in the store", i, id)
				}
			}
		}
	}
}

// A process killed with SIGKILL while adding loses at most the lesson in
// flight; the store opens and takes new lessons.
func TestKilledWhileAdding(t *testing.T) {
	store := t.TempDir()
	cmd := helperCmd(t, store, "doomed", 1_000_000, 0)
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	sc := bufio.NewScanner(stdout)
	var added []string
	for sc.Scan() {
		added = append(added, strings.TrimPrefix(sc.Text(), "added "))
		if len(added) == 200 {
			cmd.Process.Signal(syscall.SIGKILL)
		}
	}
	werr := cmd.Wait()
	if ws, ok := cmd.ProcessState.Sys().(syscall.WaitStatus); !ok || !ws.Signaled() {
		t.Fatalf("helper was not killed: %v", werr)
	}
	b := openT(t, store)
	for _, id := range added {
		if _, ok := b.Get(id); !ok {
			t.Fatalf("lesson %s was reported added but is gone after the kill", id)
		}
	}
	if got := b.Len(); got > len(added)+1 {
		t.Errorf("%d lessons in the store, but only %d (+1 in flight) were added", got, len(added))
	}
	l := addT(t, b, Lesson{Text: "after the crash"})
	b2 := openT(t, store)
	if _, ok := b2.Get(l.ID); !ok {
		t.Error("a lesson added after the kill is missing on reopen")
	}
}

func TestPersistenceAcrossReopen(t *testing.T) {
	dir := t.TempDir()
	b := openT(t, dir)
	var want []Lesson
	for i := range 5 {
		want = append(want, addT(t, b, Lesson{
			Text: fmt.Sprintf("lesson %d", i), Speedup: float64(i), SpeedupLow: float64(i) - 0.1, SpeedupHigh: float64(i) + 0.1,
			Func: "F", Signature: "func F(x int) int", Original: "orig", Variant: "var", ProblemKey: "P", Model: "m",
			Agent: "agent-1", Round: i, Project: "example.com/p", Read: []string{"r1", "r2"},
			Created: time.Date(2025, 1, 2, 3, 4, i, 5, time.UTC),
		}))
	}
	if _, err := b.Feedback(context.Background(), []Reading{{Speedup: 10, Read: []string{want[1].ID}}}); err != nil {
		t.Fatal(err)
	}
	want[1].Factor, want[1].Selected, want[1].Beaten = 1.1, 1, 1
	if err := b.Remove(want[4].ID); err != nil {
		t.Fatal(err)
	}
	want = want[:4]
	b.Close()

	b2 := openT(t, dir)
	if got := b2.List(Filter{}); !reflect.DeepEqual(got, want) {
		t.Errorf("after reopen:\n got %+v\nwant %+v", got, want)
	}
	// And the vectors survive bit for bit.
	b2.mu.RLock()
	v := b2.vector(want[0].ID)
	b2.mu.RUnlock()
	if fresh := hashEmbed(want[0].Text); !reflect.DeepEqual(v, fresh) {
		t.Error("the stored vector differs from the embedding of the text")
	}
}

func TestAddFillsAndValidates(t *testing.T) {
	b := openT(t, t.TempDir())
	now := time.Date(2025, 3, 4, 5, 6, 7, 0, time.UTC)
	b.now = func() time.Time { return now }
	l, err := b.Add(context.Background(), Lesson{Text: "t", Outcome: OutcomeSlower})
	if err != nil {
		t.Fatal(err)
	}
	if l.Factor != 1 || !l.Created.Equal(now) || len(l.ID) != 16 {
		t.Errorf("Add filled %+v; want factor 1, created %v, a 16-hex ID", l, now)
	}
	l2, err := b.Add(context.Background(), Lesson{Text: "t", Outcome: OutcomeSlower, Created: now.Add(time.Second)})
	if err != nil || l2.ID == l.ID {
		t.Errorf("a second lesson with the same text got ID %q (err %v), the first %q", l2.ID, err, l.ID)
	}
	kept, err := b.Add(context.Background(), Lesson{ID: "mine", Text: "t", Outcome: OutcomeFaster, Factor: 0.9})
	if err != nil || kept.ID != "mine" || kept.Factor != 0.9 {
		t.Errorf("Add changed given fields: %+v, %v", kept, err)
	}
	for _, tt := range []struct {
		l    Lesson
		want string
	}{
		{Lesson{Text: "  ", Outcome: OutcomeFaster}, "text is empty"},
		{Lesson{Text: "t", Outcome: "great"}, "unknown outcome"},
		{Lesson{ID: "mine", Text: "t", Outcome: OutcomeFaster}, "already in the bank"},
	} {
		if _, err := b.Add(context.Background(), tt.l); err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("Add(%+v) error = %v, want %q", tt.l, err, tt.want)
		}
	}
}

func TestDefaultDir(t *testing.T) {
	home := t.TempDir()
	t.Setenv("HOME", home)
	for _, tt := range []struct{ lessonl, xdg, want string }{
		{"/a/store", "/x", "/a/store"},
		{"", "/x", "/x/lessonl"},
		{"", "", filepath.Join(home, ".local", "share", "lessonl")},
	} {
		t.Setenv("LESSONL_HOME", tt.lessonl)
		t.Setenv("XDG_DATA_HOME", tt.xdg)
		if got := DefaultDir(); got != tt.want {
			t.Errorf("LESSONL_HOME=%q XDG_DATA_HOME=%q: DefaultDir() = %q, want %q", tt.lessonl, tt.xdg, got, tt.want)
		}
	}
}

// Two Banks on one directory stand for two processes (flock locks are per
// open file, so they exclude each other as processes do).
func TestSecondBankSeesAdditionsOnNextSelect(t *testing.T) {
	dir := t.TempDir()
	a, b := openT(t, dir), openT(t, dir)
	l := addT(t, a, Lesson{Text: rel3, Speedup: 2})
	got, err := b.Select(context.Background(), Query{Code: queryCode, Lang: "go"})
	if err != nil || len(got) != 1 || got[0].Lesson.ID != l.ID {
		t.Fatalf("the other bank's Select = %v, %v; want lesson %s", got, err, l.ID)
	}
	if _, err := b.Feedback(context.Background(), []Reading{{Speedup: 3, Read: []string{l.ID}}}); err != nil {
		t.Fatal(err)
	}
	if got, _ := a.Get(l.ID); got.Factor != 1.1 || got.Beaten != 1 {
		t.Errorf("the first bank does not see the other's feedback: %+v", got)
	}
}

func TestCompactionKeepsEverythingAndOthersFollow(t *testing.T) {
	dir := t.TempDir()
	a, b := openT(t, dir), openT(t, dir)
	var ids []string
	for i := range 20 {
		ids = append(ids, addT(t, a, Lesson{Text: fmt.Sprintf("lesson %d", i), Speedup: 1.5}).ID)
	}
	for range 5 {
		if _, err := a.Feedback(context.Background(), []Reading{{Speedup: 2, Read: ids[:3]}}); err != nil {
			t.Fatal(err)
		}
	}
	if err := a.Remove(ids[19]); err != nil {
		t.Fatal(err)
	}
	b.Len() // b has not looked yet; it will find a replaced file
	before := a.List(Filter{})
	fi0, _ := os.Stat(filepath.Join(dir, logName))
	a.mu.Lock()
	err := a.compactLocked(context.Background(), nil, nil)
	a.mu.Unlock()
	if err != nil {
		t.Fatal(err)
	}
	fi1, _ := os.Stat(filepath.Join(dir, logName))
	if fi1.Size() >= fi0.Size() || os.SameFile(fi0, fi1) {
		t.Errorf("compaction did not rewrite the log: %d -> %d bytes", fi0.Size(), fi1.Size())
	}
	if after := a.List(Filter{}); !reflect.DeepEqual(after, before) {
		t.Errorf("compaction changed the lessons")
	}
	// b still holds the old file's state; its next add must land in the new file.
	l := addT(t, b, Lesson{Text: "added by b after the compaction", Created: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)})
	if got := b.List(Filter{}); !reflect.DeepEqual(got[:len(before)], before) || len(got) != len(before)+1 {
		t.Errorf("b after the compaction has %d lessons, want %d", len(got), len(before)+1)
	}
	if _, ok := a.Get(l.ID); !ok {
		t.Error("a does not see b's lesson added after the compaction")
	}
	c := openT(t, dir)
	if c.Len() != len(before)+1 {
		t.Errorf("reopened: %d lessons, want %d", c.Len(), len(before)+1)
	}
}

func TestConcurrentUseInOneProcess(t *testing.T) {
	b := openT(t, t.TempDir())
	ctx := context.Background()
	var wg sync.WaitGroup
	errs := make(chan error, 100)
	for w := range 4 {
		wg.Go(func() {
			for i := range 30 {
				l, err := b.Add(ctx, Lesson{Text: fmt.Sprintf("worker %d lesson %d", w, i), Outcome: OutcomeFaster, Speedup: 1.5, Lang: "go"})
				if err != nil {
					errs <- err
					return
				}
				if i%10 == 0 {
					if err := b.Remove(l.ID); err != nil {
						errs <- err
						return
					}
				}
			}
		})
	}
	for range 2 {
		wg.Go(func() {
			for range 30 {
				sel, err := b.Select(ctx, Query{Code: "worker lesson", Lang: "go"})
				if err != nil {
					errs <- err
					return
				}
				var read []string
				for _, s := range sel {
					read = append(read, s.Lesson.ID)
				}
				if _, err := b.Feedback(ctx, []Reading{{Speedup: 2, Read: read}}); err != nil {
					errs <- err
					return
				}
			}
		})
	}
	wg.Go(func() {
		for range 10 {
			if err := b.Export(&strings.Builder{}); err != nil {
				errs <- err
				return
			}
			b.Stats()
			b.List(Filter{Lang: "go"})
		}
	})
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	if got := b.Len(); got != 4*27 {
		t.Errorf("%d lessons, want %d", got, 4*27)
	}
}

func TestClosedBank(t *testing.T) {
	b := openT(t, t.TempDir())
	b.Close()
	if _, err := b.Add(context.Background(), Lesson{Text: "t", Outcome: OutcomeFaster}); err != ErrClosed {
		t.Errorf("Add after Close: %v, want ErrClosed", err)
	}
	if _, err := b.Select(context.Background(), Query{}); err != ErrClosed {
		t.Errorf("Select after Close: %v, want ErrClosed", err)
	}
}
