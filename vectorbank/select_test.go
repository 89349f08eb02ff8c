package vectorbank

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
)

// Texts of graded relevance to queryCode under the hash embedder; the
// fixture itself is checked by TestRelevanceFixture.
const (
	queryCode = "func sortInts(xs []int) { quicksortPartition(xs, pivot(xs)) }"
	rel3      = "sortInts is faster with quicksortPartition around a pivot of xs"
	rel2      = "quicksort partition helps"
	rel1      = "a better pivot"
	rel0      = "database connection pool retry with backoff"
	// Unrelated to the query and to each other: less relevant than rel1, and
	// distinct lessons (not near-duplicates of rel0 or of each other).
	un1 = "json decoder reuses its read buffer"
	un2 = "logger mutex contention under parallel writers"
	// One lesson said twice (near-duplicates) and a third time reworded more.
	said1 = "Preallocating the result slice with make removed repeated growth in append."
	said2 = "Preallocating the result slice with make removed the repeated growth in append."
	said3 = "Preallocating the output slice with make avoided repeated growth in append."
)

func TestNearDuplicateFixture(t *testing.T) {
	vs, _ := NewHashEmbedder().Embed(context.Background(), []string{said1, said2, said3, rel2})
	if s := cosine(vs[0], vs[1]); s < NearDuplicate {
		t.Errorf("said1 and said2: cosine %v, want at least %v", s, NearDuplicate)
	}
	if s := cosine(vs[0], vs[2]); s >= NearDuplicate {
		t.Errorf("said1 and said3: cosine %v, want below %v", s, NearDuplicate)
	}
	if s := cosine(vs[0], vs[3]); s >= NearDuplicate/2 {
		t.Errorf("said1 and rel2: cosine %v", s)
	}
}

func TestRelevanceFixture(t *testing.T) {
	ctx := context.Background()
	vs, err := NewHashEmbedder().Embed(ctx, []string{queryCode, rel3, rel2, rel1, rel0, un1, un2})
	if err != nil {
		t.Fatal(err)
	}
	for i, a := range vs[4:] {
		if s := cosine(vs[0], a); s >= cosine(vs[0], vs[3]) {
			t.Errorf("unrelated text %d is as relevant as rel1: %v", i, s)
		}
		for _, b := range vs[4+i+1:] {
			if s := cosine(a, b); s >= NearDuplicate/2 {
				t.Errorf("unrelated texts are alike: %v", s)
			}
		}
	}
	vs = vs[:5]
	var sims []float64
	for _, v := range vs[1:] {
		sims = append(sims, cosine(vs[0], v))
	}
	for i := 1; i < len(sims); i++ {
		if !(sims[i-1] > sims[i]) {
			t.Fatalf("fixture texts are not in decreasing relevance: %v", sims)
		}
	}
}

// pick is an expected selection: lesson ID and reason.
type pick struct{ id, reason string }

func TestSelect(t *testing.T) {
	L := func(id string, speedup, factor float64, text string) Lesson {
		return Lesson{ID: id, Text: text, Speedup: speedup, Factor: factor, ProblemKey: "P", Project: "proj"}
	}
	// other returns l moved to another problem, project and language.
	other := func(l Lesson, problem, project, lang string) Lesson {
		l.ProblemKey, l.Project, l.Lang = problem, project, lang
		return l
	}
	as := func(o Outcome, l Lesson) Lesson { l.Outcome = o; return l }
	q := Query{Code: queryCode, Lang: "go", ProblemKey: "P", Project: "proj"}
	with := func(f func(*Query)) Query { c := q; f(&c); return c }

	tests := []struct {
		name    string
		lessons []Lesson
		q       Query
		want    []pick
	}{
		{name: "empty bank", q: q, want: nil},
		{
			name: "fewer than k: all, high first",
			lessons: []Lesson{
				L("a", 0.5, 1, rel0), L("b", 2, 1, rel1),
			},
			q:    q,
			want: []pick{{"b", "speedup"}, {"a", "relevance"}},
		},
		{
			name: "exactly k: all, even with more high lessons than h",
			lessons: []Lesson{
				L("a", 3, 1, rel0), L("b", 2, 1, un1), L("c", 1.5, 1, rel3), L("d", 0, 1, rel1),
			},
			q:    q,
			want: []pick{{"a", "speedup"}, {"b", "speedup"}, {"c", "relevance"}, {"d", "relevance"}},
		},
		{
			name: "threshold: exactly 1.1 counts, just below does not",
			lessons: []Lesson{
				L("a", 1.1, 1.0, rel0), L("b", 1.0, 1.1, un1), L("c", 1.0999, 1, rel3),
				L("d", 0.5, 1, rel2), L("e", 0, 1, rel1), L("f", 2.0, 0.5, un2),
			},
			q:    with(func(q *Query) { q.K = 6 }),
			want: []pick{{"a", "speedup"}, {"b", "speedup"}, {"c", "relevance"}, {"d", "relevance"}, {"e", "relevance"}, {"f", "relevance"}},
		},
		{
			name: "a product of 1.1 from rounding (1.21 x 0.909090...) still counts",
			lessons: []Lesson{
				L("a", 1.21, 1/1.1, rel0), L("b", 0.5, 1, rel3), L("c", 0.5, 1, rel2), L("d", 0.5, 1, rel1), L("e", 0.5, 1, un1),
			},
			q:    q,
			want: []pick{{"a", "speedup"}, {"b", "relevance"}, {"c", "relevance"}, {"d", "relevance"}},
		},
		{
			name: "fewer than h high lessons: the rest by relevance",
			lessons: []Lesson{
				L("a", 1.5, 1, rel0), L("b", 0.9, 1, rel1), L("c", 1.05, 1, rel3), L("d", 0, 1, rel2), L("e", 0.2, 1, un1),
			},
			q:    q,
			want: []pick{{"a", "speedup"}, {"c", "relevance"}, {"d", "relevance"}, {"b", "relevance"}},
		},
		{
			name: "more high lessons than h: best h by speedup x factor, the rest by relevance",
			lessons: []Lesson{
				L("a", 3, 0.9, rel0), L("b", 2.5, 1.1, un1), L("c", 2, 1, rel3), L("d", 1.5, 1, rel2), L("e", 1.2, 1, rel1), L("f", 0, 1, un2),
			},
			q:    q,
			want: []pick{{"b", "speedup"}, {"a", "speedup"}, {"c", "relevance"}, {"d", "relevance"}}, // 2.75 > 2.7
		},
		{
			name: "ties in speedup x factor go to the smaller ID",
			lessons: []Lesson{
				L("c", 2, 1, rel0), L("a", 2, 1, un1), L("b", 1, 2, un2), L("d", 0, 1, rel3), L("e", 0, 1, rel2),
			},
			q:    q,
			want: []pick{{"a", "speedup"}, {"b", "speedup"}, {"d", "relevance"}, {"e", "relevance"}},
		},
		{
			name: "ties in relevance go to the smaller ID",
			lessons: []Lesson{
				// The embedder skips white space: equal vectors, distinct texts;
				// distinct outcomes, or they would be one lesson (near-duplicates).
				L("z", 0, 1, rel3), as(OutcomeSlower, L("x", 0, 1, strings.Replace(rel3, " ", "  ", 1))),
				as(OutcomeIncorrect, L("y", 0, 1, strings.Replace(rel3, " ", "  ", 2))),
				L("w", 0, 1, rel0), L("v", 0, 1, un1),
			},
			q:    with(func(q *Query) { q.K = 2 }),
			want: []pick{{"x", "relevance"}, {"y", "relevance"}},
		},
		{
			name: "identical texts take one slot, the best copy's",
			lessons: []Lesson{
				L("a", 3, 1, rel0), L("b", 2.5, 1, rel0), L("c", 2, 1, rel3), L("d", 0.5, 1, rel2), L("e", 0.5, 1, rel1),
			},
			q:    q,
			want: []pick{{"a", "speedup"}, {"c", "speedup"}, {"d", "relevance"}, {"e", "relevance"}},
		},
		{
			name: "near-duplicates (one problem, one outcome) take one slot, the best copy's",
			lessons: []Lesson{
				L("a", 3, 1, said1), L("b", 4, 1, said2), L("c", 2, 1, rel3), as(OutcomeSlower, L("d", 0.5, 1, said1+" ")),
				L("e", 0.5, 1, rel2), other(L("f", 0.1, 1, said2+" "), "Q", "proj", "go"),
			},
			q: with(func(q *Query) { q.K = 5 }),
			// a is b said again; d (another outcome) and f (another problem) are not.
			want: []pick{{"b", "speedup"}, {"c", "speedup"}, {"e", "relevance"}, {"d", "relevance"}, {"f", "relevance"}},
		},
		{
			name: "a copy of a high pick is not picked again for relevance",
			lessons: []Lesson{
				L("a", 2, 1, rel3), L("b", 0.5, 1, rel3), L("c", 0.5, 1, rel1), L("d", 0.5, 1, rel2), L("e", 0.5, 1, rel0),
			},
			q:    q,
			want: []pick{{"a", "speedup"}, {"d", "relevance"}, {"c", "relevance"}, {"e", "relevance"}},
		},
		{
			name: "a better copy found later replaces the one held",
			lessons: []Lesson{
				L("a", 1.5, 1, rel0), L("b", 4, 1, rel0), L("c", 2, 1, rel1), L("d", 0.5, 1, rel2),
			},
			q:    with(func(q *Query) { q.K = 2 }),
			want: []pick{{"b", "speedup"}, {"d", "relevance"}},
		},
		{
			name: "scope problem: only this problem's lessons",
			lessons: []Lesson{
				L("a", 0.5, 1, rel0), other(L("b", 5, 1, rel3), "Q", "proj", "go"), other(L("c", 5, 1, rel3), "R", "else", "go"),
			},
			q:    with(func(q *Query) { q.Scope = ScopeProblem }),
			want: []pick{{"a", "relevance"}},
		},
		{
			name: "scope project: this project's other problems, same language",
			lessons: []Lesson{
				L("a", 0.5, 1, rel0), other(L("b", 5, 1, rel3), "Q", "proj", "go"), other(L("c", 5, 1, rel3), "R", "else", "go"),
				other(L("d", 5, 1, rel3), "S", "proj", "c"),
			},
			q:    with(func(q *Query) { q.Scope = ScopeProject }),
			want: []pick{{"b", "speedup"}, {"a", "relevance"}}, // the high set is listed first
		},
		{
			name: "scope all (default): every project, same language only",
			lessons: []Lesson{
				L("a", 0.5, 1, rel0), other(L("b", 5, 1, rel3), "Q", "proj", "go"), other(L("c", 4, 1, rel2), "R", "else", "go"),
				other(L("d", 5, 1, rel3), "S", "proj", "c"),
			},
			q:    q,
			want: []pick{{"b", "speedup"}, {"c", "speedup"}, {"a", "relevance"}},
		},
		{
			name: "this problem's lessons come first in both stages",
			lessons: []Lesson{
				L("a", 1.2, 1, rel0), L("b", 0, 1, rel2), L("c", 0, 1, rel1), L("d", 0, 1, un1), L("e", 0, 1, un2),
				other(L("x", 9, 1, rel3), "Q", "proj", "go"), other(L("y", 8, 1, rel3+" y"), "R", "else", "go"),
			},
			q: q,
			// a is this problem's only high lesson; the second high slot goes to
			// the best other problem's; relevance then prefers this problem.
			want: []pick{{"a", "speedup"}, {"x", "speedup"}, {"b", "relevance"}, {"c", "relevance"}},
		},
		{
			name: "no problem key: every lesson of the language is a candidate",
			lessons: []Lesson{
				L("a", 2, 1, rel0), other(L("b", 3, 1, rel1), "Q", "else", "go"), other(L("c", 0, 1, rel3), "R", "else", "go"),
				other(L("d", 0, 1, rel2), "S", "x", "go"), other(L("e", 9, 1, rel3), "T", "x", "python"),
			},
			q:    with(func(q *Query) { q.ProblemKey, q.K = "", 3 }),
			want: []pick{{"b", "speedup"}, {"a", "speedup"}, {"c", "relevance"}},
		},
		{
			name: "strategy speedup: all k by speedup x factor, no threshold",
			lessons: []Lesson{
				L("a", 0.5, 1, rel3), L("b", 0.9, 1, rel2), L("c", 3, 1, rel0), L("d", 0, 1, rel1), L("e", 0.7, 1, un1),
			},
			q:    with(func(q *Query) { q.Strategy, q.K = StrategySpeedup, 3 }),
			want: []pick{{"c", "speedup"}, {"b", "speedup"}, {"e", "speedup"}},
		},
		{
			name: "strategy relevance: all k by similarity",
			lessons: []Lesson{
				L("a", 9, 1, rel0), L("b", 0, 1, rel1), L("c", 0, 1, rel3), L("d", 0, 1, rel2),
			},
			q:    with(func(q *Query) { q.Strategy, q.K = StrategyRelevance, 3 }),
			want: []pick{{"c", "relevance"}, {"d", "relevance"}, {"b", "relevance"}},
		},
		{
			name: "no factor: the high set by speedup alone",
			lessons: []Lesson{
				L("a", 1.05, 1.1, rel0), L("b", 2, 0.5, un1), L("c", 0, 1, rel3), L("d", 0, 1, rel2), L("e", 0, 1, rel1),
			},
			q:    with(func(q *Query) { q.NoFactor = true }),
			want: []pick{{"b", "speedup"}, {"c", "relevance"}, {"d", "relevance"}, {"e", "relevance"}},
		},
		{
			name: "with the factor the same bank ranks the other way",
			lessons: []Lesson{
				L("a", 1.05, 1.1, rel0), L("b", 2, 0.5, un1), L("c", 0, 1, rel3), L("d", 0, 1, rel2), L("e", 0, 1, rel1),
			},
			q:    q,
			want: []pick{{"a", "speedup"}, {"c", "relevance"}, {"d", "relevance"}, {"e", "relevance"}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := openT(t, t.TempDir())
			for _, l := range tt.lessons {
				addT(t, b, l)
			}
			got, err := b.Select(context.Background(), tt.q)
			if err != nil {
				t.Fatalf("Select: %v", err)
			}
			var picks []pick
			for _, s := range got {
				picks = append(picks, pick{s.Lesson.ID, s.Reason})
			}
			if !slices.Equal(picks, tt.want) {
				t.Errorf("Select =\n  %v\nwant\n  %v", picks, tt.want)
			}
			for _, s := range got {
				want := s.Relevance
				if s.Reason == "speedup" {
					want = s.Lesson.Speedup * s.Lesson.Factor
					if tt.q.NoFactor {
						want = s.Lesson.Speedup
					}
				}
				if s.Score != want {
					t.Errorf("%s: score %v, want %v", s.Lesson.ID, s.Score, want)
				}
			}
		})
	}
}

func TestSelectRelevanceIsCosine(t *testing.T) {
	b := openT(t, t.TempDir())
	addT(t, b, Lesson{ID: "a", Text: rel2})
	got, err := b.Select(context.Background(), Query{Code: queryCode, Lang: "go"})
	if err != nil || len(got) != 1 {
		t.Fatalf("Select = %v, %v", got, err)
	}
	vs, _ := NewHashEmbedder().Embed(context.Background(), []string{queryCode, rel2})
	var want float64
	for i := range vs[0] {
		want += float64(vs[0][i]) * float64(vs[1][i])
	}
	if d := got[0].Relevance - want; d > 1e-6 || d < -1e-6 {
		t.Errorf("relevance %v, want cosine %v", got[0].Relevance, want)
	}
}

func TestSelectRandom(t *testing.T) {
	b := openT(t, t.TempDir())
	for i := range 20 {
		addT(t, b, Lesson{ID: string(rune('a' + i)), Text: rel0 + " " + string(rune('a'+i)), Speedup: float64(i), ProblemKey: "P" + string(rune('a'+i))})
	}
	addT(t, b, Lesson{ID: "zz", Text: rel3, Lang: "c"}) // out of scope: another language
	sel := func(seed int64) []string {
		got, err := b.Select(context.Background(), Query{Code: queryCode, Lang: "go", ProblemKey: "P", K: 5, Strategy: StrategyRandom, Seed: seed})
		if err != nil {
			t.Fatal(err)
		}
		var ids []string
		for _, s := range got {
			if s.Reason != "random" {
				t.Errorf("reason %q, want random", s.Reason)
			}
			ids = append(ids, s.Lesson.ID)
		}
		return ids
	}
	first := sel(1)
	if len(first) != 5 {
		t.Fatalf("got %d lessons, want 5", len(first))
	}
	if again := sel(1); !slices.Equal(first, again) {
		t.Errorf("same seed, different picks: %v vs %v", first, again)
	}
	distinct := map[string]bool{}
	differs := false
	for seed := int64(2); seed < 12; seed++ {
		ids := sel(seed)
		if !slices.Equal(ids, first) {
			differs = true
		}
		seen := map[string]bool{}
		for _, id := range ids {
			if seen[id] || id == "zz" {
				t.Errorf("seed %d: duplicate or out-of-scope lesson %s in %v", seed, id, ids)
			}
			seen[id] = true
			distinct[id] = true
		}
	}
	if !differs {
		t.Error("ten seeds all picked the same lessons")
	}
	if len(distinct) < 10 {
		t.Errorf("ten seeds reached only %d of 20 lessons: not random", len(distinct))
	}
}

func TestSelectBadQuery(t *testing.T) {
	b := openT(t, t.TempDir())
	addT(t, b, Lesson{Text: rel0})
	for _, tt := range []struct {
		q    Query
		want string
	}{
		{Query{K: -1}, "at least one lesson"},
		{Query{Scope: "galaxy"}, "use problem, project or all"},
		{Query{Strategy: "vibes"}, "use lessonl, speedup, relevance or random"},
		{Query{Scope: ScopeProblem}, "needs the problem key"},
	} {
		_, err := b.Select(context.Background(), tt.q)
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("Select(%+v) error = %v, want it to say %q", tt.q, err, tt.want)
		}
	}
}

func TestSelectDefaultsToK4AndNoCode(t *testing.T) {
	b := openT(t, t.TempDir())
	for i := range 6 {
		addT(t, b, Lesson{Text: rel0 + strings.Repeat(" x", i), Speedup: float64(i)})
	}
	got, err := b.Select(context.Background(), Query{})
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != DefaultK {
		t.Fatalf("got %d lessons, want the default %d", len(got), DefaultK)
	}
	// Without code the relevance stage still fills k, by ID, with relevance 0.
	if got[0].Lesson.Speedup != 5 || got[1].Lesson.Speedup != 4 {
		t.Errorf("high set %v, %v; want speedups 5 and 4", got[0].Lesson.Speedup, got[1].Lesson.Speedup)
	}
	for _, s := range got[2:] {
		if s.Relevance != 0 || s.Reason != "relevance" {
			t.Errorf("without code: %+v", s)
		}
	}
}

// Relevance picks come from chromem-go queries of a few more than k; when
// copies fill a batch, or many lessons tie at its cut, Select asks again.
func TestSelectBeyondTheFirstQuery(t *testing.T) {
	ctx := context.Background()
	t.Run("copies crowd the first batch", func(t *testing.T) {
		b := openT(t, t.TempDir())
		for i := range 40 { // one lesson said 40 times, all more relevant than the other
			addT(t, b, Lesson{ID: fmt.Sprintf("copy%02d", i), Text: rel3 + strings.Repeat(" ", i+1), ProblemKey: "P"})
		}
		addT(t, b, Lesson{ID: "other", Text: rel2, ProblemKey: "P"})
		got, err := b.Select(ctx, Query{Code: queryCode, Lang: "go", ProblemKey: "P", K: 2, Strategy: StrategyRelevance})
		if err != nil || len(got) != 2 || got[0].Lesson.ID != "copy00" || got[1].Lesson.ID != "other" {
			t.Errorf("Select = %v, %v; want copy00 then other", ids(got), err)
		}
	})
	t.Run("ties at the cut go to the smaller ID", func(t *testing.T) {
		b := openT(t, t.TempDir())
		for i := range 60 { // equal vectors, distinct lessons (one problem each)
			addT(t, b, Lesson{ID: fmt.Sprintf("t%02d", 59-i), Text: rel3 + strings.Repeat(" ", i+1), ProblemKey: fmt.Sprint("Q", i)})
		}
		for range 5 {
			got, err := b.Select(ctx, Query{Code: queryCode, Lang: "go", K: 1, Strategy: StrategyRelevance})
			if err != nil || len(got) != 1 || got[0].Lesson.ID != "t00" {
				t.Fatalf("Select = %v, %v; want t00", ids(got), err)
			}
		}
	})
}

func ids(sel []Selected) []string {
	var out []string
	for _, s := range sel {
		out = append(out, s.Lesson.ID)
	}
	return out
}

// A text the embedder finds nothing in gets an all-zero vector, which
// chromem-go cannot normalise: the lesson stays out of the index, is as
// relevant as nothing (0), and survives reopening and compaction.
func TestZeroVectorLesson(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	b := openT(t, dir)
	addT(t, b, Lesson{ID: "blank", Text: "。。", ProblemKey: "P"})
	addT(t, b, Lesson{ID: "rel", Text: rel2, ProblemKey: "P"})
	check := func(b *Bank) {
		t.Helper()
		got, err := b.Select(ctx, Query{Code: queryCode, Lang: "go", ProblemKey: "P", K: 2, Strategy: StrategyRelevance})
		if err != nil || !slices.Equal(ids(got), []string{"rel", "blank"}) || got[1].Relevance != 0 {
			t.Errorf("Select = %v, %v; want rel, then blank with relevance 0", ids(got), err)
		}
	}
	check(b)
	b.mu.Lock()
	err := b.compactLocked(ctx, nil, nil)
	b.mu.Unlock()
	if err != nil {
		t.Fatal(err)
	}
	check(b)
	check(openT(t, dir))
}
