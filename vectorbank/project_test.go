package vectorbank

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// repoWith makes a git repository (a .git directory is enough) holding a
// source file and, if lessons are given, the team's lessons file.
func repoWith(t *testing.T, lessons []Lesson) (root, file string) {
	t.Helper()
	root = t.TempDir()
	file = filepath.Join(root, "pkg", "sort.go")
	for _, d := range []string{filepath.Join(root, ".git"), filepath.Dir(file)} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.WriteFile(file, []byte(queryCode), 0o644); err != nil {
		t.Fatal(err)
	}
	if lessons != nil {
		writeProject(t, root, lessons)
	}
	return root, file
}

func writeProject(t *testing.T, root string, lessons []Lesson) {
	t.Helper()
	p := filepath.Join(root, filepath.FromSlash(ProjectLessonsPath))
	os.MkdirAll(filepath.Dir(p), 0o755)
	f, err := os.Create(p)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if err := WriteLessons(f, lessons); err != nil {
		t.Fatal(err)
	}
}

func TestProjectLessonsFile(t *testing.T) {
	root, file := repoWith(t, nil)
	want := filepath.Join(root, ".lessonl", "lessons.jsonl")
	for _, p := range []string{file, filepath.Dir(file), root} {
		if got := ProjectLessonsFile(p); got != want {
			t.Errorf("ProjectLessonsFile(%s) = %q, want %q", p, got, want)
		}
	}
	if got := ProjectLessonsFile(filepath.Join(t.TempDir(), "x.go")); got != "" {
		t.Errorf("outside a repository: %q, want none", got)
	}
}

// A repository's .lessonl/lessons.jsonl reaches selection for its files:
// read-only, merged with the store, the store's copy winning on an ID, one
// slot per text.
func TestSelectDrawsFromTheProjectsLessons(t *testing.T) {
	ctx := context.Background()
	b := openT(t, t.TempDir())
	addT(t, b, Lesson{ID: "s1", Text: rel2, Speedup: 1.5, ProblemKey: "P"})
	addT(t, b, Lesson{ID: "s2", Text: rel1, Speedup: 0.5, ProblemKey: "P"})
	team := []Lesson{
		{ID: "p1", Text: "the team's lesson: " + rel3, Outcome: OutcomeFaster, Speedup: 3, Lang: "go", ProblemKey: "P", Model: "m"},
		{ID: "s1", Text: "the team's older copy of s1", Outcome: OutcomeFaster, Speedup: 9, Lang: "go", ProblemKey: "P"},
		{ID: "p3", Text: rel1, Outcome: OutcomeSlower, Speedup: 0.5, Lang: "go", ProblemKey: "P"}, // s2's text
	}
	root, file := repoWith(t, team)
	q := Query{Code: queryCode, Lang: "go", ProblemKey: "P", K: 4, File: file}
	sel, err := b.Select(ctx, q)
	if err != nil {
		t.Fatal(err)
	}
	// p3 says what s2 says: one slot for both (equal relevance: the smaller ID).
	if got := ids(sel); !slices.Equal(got, []string{"p1", "s1", "p3"}) {
		t.Errorf("Select with the project = %v; want p1 (speedup 3), s1 (the store's copy), p3 (for s2 too)", got)
	}
	for _, s := range sel {
		if s.Lesson.ID == "s1" && s.Lesson.Speedup != 1.5 {
			t.Errorf("s1 came from the project file: %+v", s.Lesson)
		}
	}
	if l, ok := b.Get("p1"); !ok || l.Model != "m" {
		t.Errorf("Get(p1) = %+v, %v; want the project's lesson", l, ok)
	}
	// Read-only: feedback on a project lesson changes neither the file nor the store.
	path := filepath.Join(root, filepath.FromSlash(ProjectLessonsPath))
	before, _ := os.ReadFile(path)
	if _, err := b.Feedback(ctx, []Reading{{Speedup: 5, Read: []string{"p1"}}}); err != nil {
		t.Fatal(err)
	}
	if after, _ := os.ReadFile(path); string(after) != string(before) || b.Len() != 2 {
		t.Error("feedback on a project lesson changed the file or the store")
	}
	q.File = ""
	if sel, _ := b.Select(ctx, q); slices.Contains(ids(sel), "p1") {
		t.Error("a query without a file got the project's lessons")
	}

	// The file changes (a git pull): the next Select reads it again.
	writeProject(t, root, append(team, Lesson{ID: "p4", Text: "a newer team lesson", Outcome: OutcomeFaster, Speedup: 5, Lang: "go", ProblemKey: "P"}))
	q.File = file
	if sel, _ := b.Select(ctx, q); len(sel) == 0 || sel[0].Lesson.ID != "p4" {
		t.Errorf("after the file changed: %v; want p4 first", ids(sel))
	}
}

func TestBrokenProjectLessonsAreSkipped(t *testing.T) {
	logs := captureLogs(t)
	b := openT(t, t.TempDir())
	addT(t, b, Lesson{ID: "s1", Text: rel2, ProblemKey: "P"})
	root, file := repoWith(t, nil)
	p := filepath.Join(root, filepath.FromSlash(ProjectLessonsPath))
	os.MkdirAll(filepath.Dir(p), 0o755)
	os.WriteFile(p, []byte(`{"id":"ok","text":"fine","outcome":"faster"}`+"\n"+`{"id":"bad","text":"x","outcome":"faster","speedup":-1}`+"\n"), 0o644)
	for range 2 {
		sel, err := b.Select(context.Background(), Query{Code: queryCode, Lang: "go", File: file})
		if err != nil || !slices.Equal(ids(sel), []string{"s1"}) {
			t.Fatalf("Select with a broken project file = %v, %v; want the store's s1", ids(sel), err)
		}
	}
	if got := strings.Count(logs.String(), "line 2: speedup -1 is out of range"); got != 1 {
		t.Errorf("warned %d times about the broken file, want once:\n%s", got, logs)
	}
}
