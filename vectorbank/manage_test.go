package vectorbank

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/lessonl/lessonl/internal/ollamatest"
)

var updateGolden = flag.Bool("update", false, "rewrite golden files in testdata")

// fixtureBank is a small bank with every field set, fixed times, fixed IDs.
func fixtureBank(t *testing.T, dir string) *Bank {
	t.Helper()
	b := openT(t, dir)
	day := func(d int) time.Time { return time.Date(2025, 5, d, 10, 0, 0, 0, time.UTC) }
	for _, l := range []Lesson{
		{ID: "a1", Text: "Preallocating the result slice with make([]int, 0, len(xs)) removed repeated growth in append.",
			Outcome: OutcomeFaster, Speedup: 2.4, SpeedupLow: 2.2, SpeedupHigh: 2.6, Lang: "go", Func: "Evens",
			Signature: "func Evens(xs []int) []int", Original: "func Evens…", Variant: "func Evens… make", ProblemKey: "p-evens",
			Model: "qwen2.5-coder:7b", Agent: "agent-1", Round: 0, Project: "example.com/a", Created: day(1)},
		{ID: "b2", Text: "The map lookup replaced a linear scan but hashing small keys costs as much as the scan.",
			Outcome: OutcomeMarginal, Speedup: 1.03, SpeedupLow: 0.98, SpeedupHigh: 1.07, Lang: "go", Func: "Find",
			ProblemKey: "p-find", Model: "deepseek-coder:6.7b", Agent: "agent-2", Round: 1, Project: "example.com/a",
			Created: day(2), Read: []string{"a1"}},
		{ID: "c3", Text: "Unrolling the loop by four read past the end of the array when n is not a multiple of four.",
			Outcome: OutcomeIncorrect, Lang: "cpp", Func: "sum", ProblemKey: "p-sum", Model: "qwen2.5-coder:14b",
			Agent: "agent-3", Round: 2, Project: "github.com/x/y", Created: day(3)},
		{ID: "d4", Text: "std::execution::par needs <execution> and TBB; the build failed.",
			Outcome: OutcomeBuildFailed, Lang: "cpp", Func: "sum", ProblemKey: "p-sum", Model: "qwen2.5-coder:7b",
			Agent: "agent-1", Round: 2, Project: "github.com/x/y", Created: day(4)},
	} {
		addT(t, b, l)
	}
	if _, err := b.Feedback(context.Background(), []Reading{{Speedup: 3, Read: []string{"a1", "b2"}}, {Speedup: 1, Read: []string{"a1"}}}); err != nil {
		t.Fatal(err)
	}
	return b
}

func TestExportGolden(t *testing.T) {
	b := fixtureBank(t, t.TempDir())
	for _, tt := range []struct {
		golden string
		o      ExportOptions
	}{
		{"export.golden.jsonl", ExportOptions{}},
		// The hash embedder's vectors are in this one: if it fails after a
		// change to the embedder, existing stores would silently mix vectors.
		// Give the embedder a new name instead.
		{"export-vectors.golden.jsonl", ExportOptions{WithVectors: true}},
	} {
		var buf bytes.Buffer
		if err := b.ExportWith(&buf, tt.o); err != nil {
			t.Fatal(err)
		}
		golden := filepath.Join("testdata", tt.golden)
		if *updateGolden {
			if err := os.WriteFile(golden, buf.Bytes(), 0o644); err != nil {
				t.Fatal(err)
			}
		}
		want, err := os.ReadFile(golden)
		if err != nil {
			t.Fatalf("%v (run go test ./vectorbank -run ExportGolden -update)", err)
		}
		if !bytes.Equal(buf.Bytes(), want) {
			t.Errorf("export differs from %s (a format or hash-embedder change?)\n got: %.400s\nwant: %.400s", golden, buf.Bytes(), want)
		}
	}
}

// A team reviews its lessons in git: two exports of one bank are
// byte-identical, one lesson per line, sorted, with no vectors.
func TestExportIsStableAndVectorFree(t *testing.T) {
	dir := t.TempDir()
	b := fixtureBank(t, dir)
	var one, two bytes.Buffer
	if err := b.Export(&one); err != nil {
		t.Fatal(err)
	}
	// Another process's view of the same store, after a reopen.
	b2 := openT(t, dir)
	if err := b2.Export(&two); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(one.Bytes(), two.Bytes()) {
		t.Fatalf("two exports of one bank differ:\n%s\n%s", &one, &two)
	}
	lines := strings.Split(strings.TrimSuffix(one.String(), "\n"), "\n")
	if len(lines) != 4 {
		t.Fatalf("%d lines, want one per lesson (4)", len(lines))
	}
	var prev Lesson
	for i, line := range lines {
		if strings.Contains(line, `"embedding"`) || strings.Contains(line, `"embedder"`) || len(line) > 1200 {
			t.Errorf("line %d carries a vector: %.200s", i+1, line)
		}
		var l Lesson
		dec := json.NewDecoder(strings.NewReader(line))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&l); err != nil {
			t.Fatalf("line %d is not a lesson: %v", i+1, err)
		}
		if !strings.HasPrefix(line, `{"id":"`+l.ID+`","text":`) {
			t.Errorf("line %d does not start with the ID and text: %.80s", i+1, line)
		}
		if i > 0 && l.Created.Before(prev.Created) {
			t.Errorf("line %d is older than line %d", i+1, i)
		}
		prev = l
	}
}

func TestExportImportRoundTrip(t *testing.T) {
	a := fixtureBank(t, t.TempDir())
	var exp bytes.Buffer
	if err := a.Export(&exp); err != nil {
		t.Fatal(err)
	}
	b := openT(t, t.TempDir())
	n, err := b.Import(bytes.NewReader(exp.Bytes()))
	if err != nil || n != 4 {
		t.Fatalf("Import = %d, %v; want 4", n, err)
	}
	if got, want := b.List(Filter{}), a.List(Filter{}); !reflect.DeepEqual(got, want) {
		t.Errorf("round trip changed lessons:\n got %+v\nwant %+v", got, want)
	}
	var exp2 bytes.Buffer
	b.Export(&exp2)
	if !bytes.Equal(exp.Bytes(), exp2.Bytes()) {
		t.Error("exporting the imported bank gives a different file")
	}
	// Importing again adds nothing: IDs dedupe.
	if n, err := b.Import(bytes.NewReader(exp.Bytes())); err != nil || n != 0 {
		t.Errorf("second Import = %d, %v; want 0", n, err)
	}
	// Duplicates inside one file count once.
	c := openT(t, t.TempDir())
	twice := append(append([]byte{}, exp.Bytes()...), exp.Bytes()...)
	if n, err := c.Import(bytes.NewReader(twice)); err != nil || n != 4 {
		t.Errorf("Import of a file listing each lesson twice = %d, %v; want 4", n, err)
	}
}

func TestImportMalformedChangesNothing(t *testing.T) {
	var exp bytes.Buffer
	fixtureBank(t, t.TempDir()).ExportWith(&exp, ExportOptions{WithVectors: true})
	lines := strings.SplitAfter(exp.String(), "\n")
	good := lines[0] + lines[1]
	tests := []struct {
		name, file, want string
	}{
		{"not JSON", good + "{oops\n", "line 3"},
		{"unknown field", good + `{"embedder":"hash","dim":512,"embedding":"","lesson":{},"extra":1}` + "\n", "line 3"},
		{"bad outcome", strings.Replace(good, `"outcome":"marginal"`, `"outcome":"meh"`, 1), "line 2: unknown outcome"},
		{"no text", strings.Replace(good, `"text":"Preallocating`, `"text":"  ","x":"`, 1), "line 1"},
		{"bad embedding", strings.Replace(good, `"embedding":"`, `"embedding":"@`, 1), "line 1: bad embedding"},
		{"wrong dimension", strings.Replace(good, `"dim":512`, `"dim":384`, 1), "line 1: embedding has 512 dims"},
		{"blank lines keep numbering", good + "\n\n" + "[]\n", "line 5"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) { importRefused(t, tt.file, tt.want) })
	}
}

// importRefused imports file into a store of one lesson: the import must
// fail with an error saying want and "nothing was imported", and leave the
// store's log as it was.
func importRefused(t *testing.T, file, want string) {
	t.Helper()
	dir := t.TempDir()
	b := openT(t, dir)
	addT(t, b, Lesson{Text: "already here"})
	before, _ := os.ReadFile(filepath.Join(dir, logName))
	n, err := b.Import(strings.NewReader(file))
	if err == nil || !strings.Contains(err.Error(), want) || !strings.Contains(err.Error(), "nothing was imported") {
		t.Fatalf("Import = %d, %v; want an error saying %q", n, err, want)
	}
	after, _ := os.ReadFile(filepath.Join(dir, logName))
	if !bytes.Equal(before, after) || b.Len() != 1 {
		t.Errorf("a failed import changed the store (%d lessons)", b.Len())
	}
}

func TestListRemovePruneStats(t *testing.T) {
	b := fixtureBank(t, t.TempDir())
	ids := func(ls []Lesson) (s []string) {
		for _, l := range ls {
			s = append(s, l.ID)
		}
		return s
	}
	for _, tt := range []struct {
		f    Filter
		want []string
	}{
		{Filter{}, []string{"a1", "b2", "c3", "d4"}},
		{Filter{Lang: "cpp"}, []string{"c3", "d4"}},
		{Filter{Lang: "CPP", Outcome: OutcomeBuildFailed}, []string{"d4"}},
		{Filter{Project: "example.com/a"}, []string{"a1", "b2"}},
		{Filter{Model: "qwen2.5-coder:7b"}, []string{"a1", "d4"}},
		{Filter{ProblemKey: "p-sum"}, []string{"c3", "d4"}},
		{Filter{CreatedBefore: time.Date(2025, 5, 3, 0, 0, 0, 0, time.UTC)}, []string{"a1", "b2"}},
		{Filter{FactorBelow: 1}, nil},                           // a1: (1.1+0.9)/2 = 1.0 is not below 1
		{Filter{FactorBelow: 1.05}, []string{"a1", "c3", "d4"}}, // b2 was beaten: 1.1
		{Filter{Lang: "rust"}, nil},
	} {
		if got := ids(b.List(tt.f)); !reflect.DeepEqual(got, tt.want) {
			t.Errorf("List(%+v) = %v, want %v", tt.f, got, tt.want)
		}
	}

	s := b.Stats()
	if s.Lessons != 4 || s.Embedder != "hash" || s.Dim != HashDim ||
		!reflect.DeepEqual(s.ByLang, map[string]int{"go": 2, "cpp": 2}) ||
		!reflect.DeepEqual(s.ByModel, map[string]int{"qwen2.5-coder:7b": 2, "deepseek-coder:6.7b": 1, "qwen2.5-coder:14b": 1}) ||
		!reflect.DeepEqual(s.ByOutcome, map[string]int{"faster": 1, "marginal": 1, "incorrect": 1, "build_failed": 1}) {
		t.Errorf("Stats = %+v", s)
	}
	if want := (1.0 + 1.1 + 1 + 1) / 4; s.MeanFactor < want-1e-12 || s.MeanFactor > want+1e-12 {
		t.Errorf("mean factor %v, want %v", s.MeanFactor, want)
	}
	if len(s.Helped) != 2 || s.Helped[0].ID != "b2" || s.Helped[1].ID != "a1" {
		t.Errorf("helped most: %v, want b2 (beaten once, factor 1.1) then a1", ids(s.Helped))
	}

	if len(s.Copies) != 0 {
		t.Errorf("copies in a bank of distinct lessons: %+v", s.Copies)
	}

	if err := b.Remove("a1", "nope"); err == nil || !strings.Contains(err.Error(), "nope") {
		t.Errorf("Remove with an unknown ID: %v", err)
	}
	if b.Len() != 4 {
		t.Fatal("a failed Remove removed something")
	}
	if err := b.Remove("a1"); err != nil {
		t.Fatal(err)
	}
	if _, err := b.Prune(Filter{}); err == nil || !strings.Contains(err.Error(), "--older-than") {
		t.Errorf("Prune without criteria: %v", err)
	}
	gone, err := b.Prune(Filter{CreatedBefore: time.Date(2025, 5, 4, 0, 0, 0, 0, time.UTC), FactorBelow: 1.05})
	if err != nil || !reflect.DeepEqual(ids(gone), []string{"c3"}) {
		t.Errorf("Prune = %v, %v; want c3 (old and factor below 1.05; b2's factor is 1.1)", ids(gone), err)
	}
	if got := ids(b.List(Filter{})); !reflect.DeepEqual(got, []string{"b2", "d4"}) {
		t.Errorf("left %v", got)
	}
}

func scriptedOllama(t *testing.T, m *ollamatest.Model) *ollamatest.Server {
	t.Helper()
	srv := ollamatest.New(ollamatest.Script{Models: map[string]*ollamatest.Model{"emb": m}})
	t.Cleanup(srv.Close)
	return srv
}

func TestEmbedderMismatchRefused(t *testing.T) {
	srv := scriptedOllama(t, &ollamatest.Model{Embed: true, EmbedDim: 64})
	dir := t.TempDir()
	addT(t, openT(t, dir), Lesson{Text: "made with hash"})

	_, err := Open(dir, NewOllamaEmbedder(srv.URL(), "emb"))
	for _, want := range []string{`"hash"`, `"ollama:emb"`, "lessonl lessons reindex --embedder ollama:emb", "--embedder hash"} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("Open with another embedder: %v; want it to say %s", err, want)
		}
	}
	// Without an embedder the store still lists, and can be re-embedded.
	b, err := Open(dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	if b.Len() != 1 {
		t.Fatalf("opened without an embedder: %d lessons", b.Len())
	}
	if _, err := b.Select(context.Background(), Query{}); err == nil || !strings.Contains(err.Error(), "without an embedder") {
		t.Errorf("Select without an embedder: %v", err)
	}
}

func TestReindex(t *testing.T) {
	srv := scriptedOllama(t, &ollamatest.Model{Embed: true, EmbedDim: 64})
	dir := t.TempDir()
	a := fixtureBank(t, dir)
	before := a.List(Filter{})
	other := openT(t, dir) // another process still on the old embedder

	emb := NewOllamaEmbedder(srv.URL(), "emb")
	if err := a.Reindex(context.Background(), emb); err != nil {
		t.Fatal(err)
	}
	if name, dim := a.Embedder(); name != "ollama:emb" || dim != 64 {
		t.Errorf("after reindex the store is %s/%d, want ollama:emb/64", name, dim)
	}
	if got := a.List(Filter{}); !reflect.DeepEqual(got, before) {
		t.Error("reindex changed the lessons")
	}
	sel, err := a.Select(context.Background(), Query{Code: "preallocating the result slice", Lang: "go", K: 1, Strategy: StrategyRelevance})
	if err != nil || len(sel) != 1 || sel[0].Lesson.ID != "a1" {
		t.Errorf("Select after reindex = %v, %v", sel, err)
	}
	a.mu.RLock()
	v := a.vector("c3")
	a.mu.RUnlock()
	want := ollamatest.Embedding(before[2].Text, 64)
	normalize(want)
	if !reflect.DeepEqual(v, want) {
		t.Error("c3 was not re-embedded by the Ollama model")
	}
	if _, err := other.Select(context.Background(), Query{Code: "x"}); err == nil || !strings.Contains(err.Error(), "reindex") {
		t.Errorf("a process still using the old embedder: %v; want a refusal naming reindex", err)
	}
	if _, err := Open(dir, NewHashEmbedder()); err == nil {
		t.Error("the reindexed store opened with the old embedder")
	}
	b, err := Open(dir, NewOllamaEmbedder(srv.URL(), "emb"))
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	if b.Len() != 4 {
		t.Errorf("reopened after reindex: %d lessons", b.Len())
	}
}

func TestImportReembedsAnotherEmbeddersLessons(t *testing.T) {
	srv := scriptedOllama(t, &ollamatest.Model{Embed: true, EmbedDim: 64})
	src, err := Open(t.TempDir(), NewOllamaEmbedder(srv.URL(), "emb"))
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	l := addT(t, src, Lesson{Text: "hoist the bounds check"})
	var exp bytes.Buffer
	src.Export(&exp)

	dst := openT(t, t.TempDir())
	if n, err := dst.Import(&exp); err != nil || n != 1 {
		t.Fatalf("Import = %d, %v", n, err)
	}
	dst.mu.RLock()
	v := dst.vector(l.ID)
	dst.mu.RUnlock()
	if !reflect.DeepEqual(v, hashEmbed(l.Text)) {
		t.Error("the imported lesson kept the other embedder's vector")
	}
	// A bank without an embedder cannot re-embed: it says so and imports nothing.
	exp.Reset()
	src.Export(&exp)
	ro, err := Open(t.TempDir(), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer ro.Close()
	addT(t, openT(t, ro.Dir()), Lesson{Text: "hash store"})
	if _, err := ro.Import(&exp); err == nil || !strings.Contains(err.Error(), "--embedder hash") {
		t.Errorf("Import needing re-embedding without an embedder: %v", err)
	}
}

func TestOllamaEmbedder(t *testing.T) {
	ctx := context.Background()
	t.Run("embeds and learns the dimension", func(t *testing.T) {
		srv := scriptedOllama(t, &ollamatest.Model{Embed: true, EmbedDim: 48})
		emb := NewOllamaEmbedder(srv.URL(), "emb")
		if emb.Dim() != 0 || emb.Name() != "ollama:emb" {
			t.Fatalf("before the first call: %s/%d", emb.Name(), emb.Dim())
		}
		vs, err := emb.Embed(ctx, []string{"one text", "another"})
		if err != nil || len(vs) != 2 || len(vs[0]) != 48 || emb.Dim() != 48 {
			t.Fatalf("Embed = %d vectors, %v; dim %d", len(vs), err, emb.Dim())
		}
		if !reflect.DeepEqual(vs[1], ollamatest.Embedding("another", 48)) {
			t.Error("the vector is not what the server sent")
		}
		reqs := srv.Requests()
		if len(reqs) != 1 || reqs[0].Path != "/api/embed" || !reflect.DeepEqual(reqs[0].Input, []string{"one text", "another"}) {
			t.Errorf("requests %+v; want one /api/embed with both texts", reqs)
		}
	})
	t.Run("host from OLLAMA_HOST", func(t *testing.T) {
		srv := scriptedOllama(t, &ollamatest.Model{Embed: true})
		t.Setenv("OLLAMA_HOST", srv.URL())
		emb, err := EmbedderByName("ollama:emb", "")
		if err != nil {
			t.Fatal(err)
		}
		if _, err := emb.Embed(ctx, []string{"x"}); err != nil {
			t.Fatal(err)
		}
	})
	for _, tt := range []struct {
		name  string
		model *ollamatest.Model
		opts  []OllamaOption
		want  string
	}{
		{"model not pulled", &ollamatest.Model{Embed: true, Missing: true}, nil, "ollama pull emb"},
		{"server error", &ollamatest.Model{Embed: true, Misbehave: &ollamatest.Misbehave{Status: 500, Message: "out of memory"}}, nil, "out of memory"},
		{"hangs past the deadline", &ollamatest.Model{Embed: true, Misbehave: &ollamatest.Misbehave{Hang: true}},
			[]OllamaOption{WithEmbedTimeout(300 * time.Millisecond)}, "took longer than 300ms"},
		{"garbage", &ollamatest.Model{Embed: true, Misbehave: &ollamatest.Misbehave{Garbage: true}}, nil, "emb"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			srv := scriptedOllama(t, tt.model)
			_, err := NewOllamaEmbedder(srv.URL(), "emb", tt.opts...).Embed(ctx, []string{"x"})
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("Embed: %v; want an error saying %q", err, tt.want)
			}
		})
	}
	t.Run("no server", func(t *testing.T) {
		srv := ollamatest.New(ollamatest.Script{})
		url := srv.URL()
		srv.Close()
		_, err := NewOllamaEmbedder(url, "emb").Embed(ctx, []string{"x"})
		if err == nil || !strings.Contains(err.Error(), "ollama serve") || !strings.Contains(err.Error(), "--embedder hash") {
			t.Errorf("Embed with no server: %v", err)
		}
	})
	t.Run("a bank on Ollama", func(t *testing.T) {
		srv := scriptedOllama(t, &ollamatest.Model{Embed: true, EmbedDim: 32})
		b, err := Open(t.TempDir(), NewOllamaEmbedder(srv.URL(), "emb"))
		if err != nil {
			t.Fatal(err)
		}
		defer b.Close()
		addT(t, b, Lesson{ID: "x", Text: "hoist the bounds check out of the loop"})
		addT(t, b, Lesson{ID: "y", Text: "use a database connection pool"})
		sel, err := b.Select(ctx, Query{Code: "bounds check in the loop", Lang: "go", K: 1, Strategy: StrategyRelevance})
		if err != nil || len(sel) != 1 || sel[0].Lesson.ID != "x" {
			t.Errorf("Select = %+v, %v; want x", sel, err)
		}
		if _, d := b.Embedder(); d != 32 {
			t.Errorf("store dim %d, want 32", d)
		}
	})
}

func TestEmbedderByName(t *testing.T) {
	for _, tt := range []struct{ name, want, err string }{
		{"", "hash", ""}, {"hash", "hash", ""}, {"ollama:nomic-embed-text", "ollama:nomic-embed-text", ""},
		{"ollama:", "", "unknown embedder"}, {"openai", "", "use hash"},
	} {
		e, err := EmbedderByName(tt.name, "127.0.0.1:1")
		switch {
		case tt.err != "" && (err == nil || !strings.Contains(err.Error(), tt.err)):
			t.Errorf("EmbedderByName(%q) error %v, want %q", tt.name, err, tt.err)
		case tt.err == "" && (err != nil || e.Name() != tt.want):
			t.Errorf("EmbedderByName(%q) = %v, %v; want %s", tt.name, e, err, tt.want)
		}
	}
	if _, err := NewOllamaEmbedder("http://[::1", "m").Embed(context.Background(), []string{"x"}); err == nil || !strings.Contains(err.Error(), "OLLAMA_HOST") {
		t.Errorf("a bad host: %v", err)
	}
}

// A store re-embedded by another process with a model of the same dimension
// is still refused: the vectors would compare but mean different things.
func TestReindexedByAnotherProcessSameDim(t *testing.T) {
	srv := ollamatest.New(ollamatest.Script{Models: map[string]*ollamatest.Model{
		"one": {Embed: true, EmbedDim: 64}, "two": {Embed: true, EmbedDim: 64}}})
	t.Cleanup(srv.Close)
	dir := t.TempDir()
	a, err := Open(dir, NewOllamaEmbedder(srv.URL(), "one"))
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	addT(t, a, Lesson{Text: "a lesson"})
	b, err := Open(dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	if err := b.Reindex(context.Background(), NewOllamaEmbedder(srv.URL(), "two")); err != nil {
		t.Fatal(err)
	}
	if _, err := a.Select(context.Background(), Query{Code: "x"}); err == nil || !strings.Contains(err.Error(), `re-embedded with "ollama:two"`) {
		t.Errorf("Select after another process reindexed: %v", err)
	}
	if _, err := a.Add(context.Background(), Lesson{Text: "another", Outcome: OutcomeFaster}); err == nil || !strings.Contains(err.Error(), "--embedder ollama:two") {
		t.Errorf("Add after another process reindexed: %v", err)
	}
}

// Stats counts the copies of a lesson said more than once; nothing is removed.
func TestStatsCopies(t *testing.T) {
	b := openT(t, t.TempDir())
	for _, l := range []Lesson{
		{ID: "a", Text: said1, Speedup: 2, ProblemKey: "P"},
		{ID: "b", Text: said2, Speedup: 3, ProblemKey: "P"},
		{ID: "c", Text: said2, Speedup: 1, ProblemKey: "Q"},                               // the same text, elsewhere
		{ID: "d", Text: said1 + " ", Speedup: 1, ProblemKey: "P", Outcome: OutcomeSlower}, // another outcome
		{ID: "e", Text: said1, Speedup: 5, ProblemKey: "R"},                               // said1 again, another problem
		{ID: "f", Text: rel2, ProblemKey: "P"},
	} {
		addT(t, b, l)
	}
	got := b.Stats().Copies
	// a~b (near-duplicates), b=c and a=e (texts): one lesson in four copies, e ranked first.
	if len(got) != 1 || got[0].Copies != 4 || got[0].Lesson.ID != "e" || !reflect.DeepEqual(got[0].IDs, []string{"a", "b", "c", "e"}) {
		t.Errorf("Stats().Copies = %+v; want e with 4 copies (a, b, c, e)", got)
	}
	if b.Len() != 6 {
		t.Errorf("%d lessons left, want 6", b.Len())
	}
}
