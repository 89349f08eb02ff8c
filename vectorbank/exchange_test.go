package vectorbank

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/binary"
	"io"
	"math"
	"runtime"
	"strconv"
	"strings"
	"testing"

	"github.com/lessonl/lessonl/internal/ollamatest"
)

// A team file exported from a hash store is imported into a fresh store
// that embeds with an Ollama model: the lessons are re-embedded, and
// selection draws from them.
func TestImportIntoAnotherEmbedderSelects(t *testing.T) {
	srv := scriptedOllama(t, &ollamatest.Model{Embed: true, EmbedDim: 64})
	var exp bytes.Buffer
	if err := fixtureBank(t, t.TempDir()).Export(&exp); err != nil {
		t.Fatal(err)
	}
	dst := openOllamaT(t, srv.URL(), "emb")
	if n, err := dst.Import(&exp); err != nil || n != 4 {
		t.Fatalf("Import = %d, %v; want 4", n, err)
	}
	if name, dim := dst.Embedder(); name != "ollama:emb" || dim != 64 {
		t.Errorf("store is %s/%d, want ollama:emb/64", name, dim)
	}
	want := ollamatest.Embedding("Unrolling the loop by four read past the end of the array when n is not a multiple of four.", 64)
	normalize(want)
	dst.mu.RLock()
	got := dst.vector("c3")
	dst.mu.RUnlock()
	if !slicesEqual(got, want) {
		t.Error("c3 was not embedded by the store's model")
	}
	sel, err := dst.Select(context.Background(), Query{Code: "func Evens(xs []int) []int", Lang: "go", ProblemKey: "p-evens"})
	if err != nil || len(sel) != 2 || sel[0].Lesson.ID != "a1" || sel[0].Reason != "speedup" {
		t.Errorf("Select after the import = %v, %v; want a1 first (speedup), then b2", ids(sel), err)
	}
}

// --with-vectors keeps the old format: a store of the same embedder takes
// the vectors as they are, without asking the model again.
func TestExportWithVectorsKeepsThem(t *testing.T) {
	srv := scriptedOllama(t, &ollamatest.Model{Embed: true, EmbedDim: 32})
	src := openOllamaT(t, srv.URL(), "emb")
	addT(t, src, Lesson{ID: "x", Text: "hoist the bounds check"})
	var exp bytes.Buffer
	if err := src.ExportWith(&exp, ExportOptions{WithVectors: true}); err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(exp.String(), `{"embedder":"ollama:emb","dim":32,"embedding":"`) {
		t.Fatalf("export with vectors: %.100s", &exp)
	}
	dst := openOllamaT(t, srv.URL(), "emb")
	before := len(srv.Requests())
	if n, err := dst.Import(&exp); err != nil || n != 1 {
		t.Fatalf("Import = %d, %v", n, err)
	}
	if after := len(srv.Requests()); after != before {
		t.Errorf("the import asked the model %d times; the vectors travelled with the lessons", after-before)
	}
	src.mu.RLock()
	dst.mu.RLock()
	same := slicesEqual(src.vector("x"), dst.vector("x"))
	dst.mu.RUnlock()
	src.mu.RUnlock()
	if !same {
		t.Error("the imported vector differs from the exported one")
	}
}

func slicesEqual(a, b []float32) bool {
	if len(a) != len(b) || len(a) == 0 {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func vecLine(vals ...float32) string {
	raw := make([]byte, 4*len(vals))
	for i, v := range vals {
		binary.LittleEndian.PutUint32(raw[4*i:], math.Float32bits(v))
	}
	return `{"embedder":"hash","dim":` + strconv.Itoa(len(vals)) + `,"embedding":"` + base64.StdEncoding.EncodeToString(raw) +
		`","lesson":{"id":"v1","text":"fine","outcome":"faster","speedup":2,"factor":1}}`
}

// Files from other people are untrusted: numbers out of range, broken
// vectors, huge or non-UTF-8 texts are refused with their line number, and
// nothing is imported.
func TestImportRefusesUntrustedData(t *testing.T) {
	good := `{"id":"g1","text":"a fine lesson","outcome":"faster","speedup":2,"factor":1}` + "\n"
	lesson := func(fields string) string {
		return `{"id":"x1","text":"t","outcome":"faster"` + fields + "}\n"
	}
	tests := []struct{ name, file, want string }{
		{"a speedup of 1e308", good + lesson(`,"speedup":1e308`), "line 2: speedup 1e+308 is out of range"},
		{"a speedup past float64", good + lesson(`,"speedup":1e999`), "line 2 is not a lesson export line"},
		{"a negative speedup", good + lesson(`,"speedup":-3,"factor":-5`), "line 2: speedup -3 is out of range"},
		{"a negative factor", good + lesson(`,"speedup":3,"factor":-5`), "line 2: factor -5 is out of range"},
		{"a huge factor", good + lesson(`,"speedup":3,"factor":1e6`), "line 2: factor"},
		{"an interval out of range", lesson(`,"speedup":2,"speedup_high":1e300`), "line 1: speedup_high"},
		{"an upside-down interval", lesson(`,"speedup":2,"speedup_low":3,"speedup_high":1`), "line 1: speedup interval"},
		{"negative counters", lesson(`,"selected":-1`), "line 1: selected -1"},
		{"a NaN vector", good + vecLine(float32(math.NaN()), 1), "line 2: the embedding holds a number that is not finite"},
		{"an infinite vector", vecLine(1, float32(math.Inf(1))), "line 1: the embedding holds"},
		{"a text over the limit", good + good + lesson(`,"text":"`+strings.Repeat("x", MaxTextBytes+1)+`"`), "line 3: the lesson's text is"},
		{"code over the limit", lesson(`,"variant":"` + strings.Repeat("x", MaxCodeBytes+1) + `"`), "line 1: variant is"},
		{"an escape sequence in the model's name", lesson(`,"model":"m\u001b]0;pwned\u0007"`), "line 1: model holds the control character U+001B"},
		{"invalid UTF-8", good + `{"id":"u","text":"caf` + "\xe9" + `","outcome":"faster"}` + "\n", "line 2: not valid UTF-8"},
		{"a line over the limit", good + `{"id":"long","text":"` + strings.Repeat("y", MaxImportLine) + `"}` + "\n", "line 2 is longer than 8 MiB"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) { importRefused(t, tt.file, tt.want) })
	}
	t.Run("the limits themselves are fine", func(t *testing.T) {
		b := openT(t, t.TempDir())
		file := lesson(`,"speedup":1e6,"speedup_low":0,"speedup_high":1e6,"factor":10,"text":"` + strings.Repeat("z", MaxTextBytes) + `"`)
		if n, err := b.Import(strings.NewReader(file)); err != nil || n != 1 {
			t.Errorf("Import at the limits = %d, %v", n, err)
		}
	})
}

// An endless line (lessons import /dev/zero) is refused after MaxImportLine
// bytes, not read into memory whole.
func TestImportEndlessLine(t *testing.T) {
	b := openT(t, t.TempDir())
	zeros := io.LimitReader(zeroReader{}, 1<<30)
	var m0, m1 runtime.MemStats
	runtime.ReadMemStats(&m0)
	_, err := b.Import(zeros)
	runtime.ReadMemStats(&m1)
	if err == nil || !strings.Contains(err.Error(), "line 1 is longer than 8 MiB") {
		t.Fatalf("Import of endless zeros: %v", err)
	}
	if grew := m1.TotalAlloc - m0.TotalAlloc; grew > 64<<20 {
		t.Errorf("the import allocated %d MiB before refusing the line", grew>>20)
	}
}

type zeroReader struct{}

func (zeroReader) Read(p []byte) (int, error) {
	clear(p)
	return len(p), nil
}
