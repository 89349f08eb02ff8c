package vectorbank

import (
	"context"
	"errors"
	"fmt"
	"hash/fnv"
	"math"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"sync"
)

// HighThreshold is the method's bar for the high set: speedup × factor >=
// 1.1. A lesson exactly at 1.1 counts (one boundary rule everywhere); the
// comparison allows 1e-9 of floating-point rounding so that a product that is
// 1.1 on paper (1.0 × 1.1, 1.21 × 0.9…) is not lost to the last bit.
const HighThreshold = 1.1

const thresholdSlack = 1e-9

// Select hands out q.K lessons (DefaultK when 0) for the code being
// optimised, by the method's rule (StrategyLessonL):
//
//   - candidates: this problem's lessons (same ProblemKey) first, then, as
//     q.Scope allows (problem, project, all; default all), lessons of other
//     problems in the same language (same project too for ScopeProject);
//   - h = ceil(k/2) lessons with speedup × factor >= 1.1, best first;
//   - the rest: the most relevant remaining lessons, by cosine similarity of
//     the lesson text's embedding to the code's;
//   - while the candidates number k or fewer, all of them.
//
// Lessons with identical text take one slot, the best-ranked copy's: an
// agent that repeats a variant repeats its lesson, and k copies of one
// sentence would teach less than k sentences. The bank keeps every copy.
//
// "First" is a priority: the other problems' lessons fill a stage only when
// this problem's run out, so with a big enough problem bank the rule is
// exactly the reference's. Ties go to the smaller ID. The ablations rank all
// k by one key: StrategySpeedup by speedup × factor (no threshold),
// StrategyRelevance by similarity, StrategyRandom by a hash of q.Seed and the
// ID (reproducible).
func (b *Bank) Select(ctx context.Context, q Query) ([]Selected, error) {
	q, err := normalizeQuery(q)
	if err != nil {
		return nil, err
	}
	emb := b.embedder()
	if emb == nil {
		return nil, errors.New("couldn't select lessons: the bank was opened without an embedder (open it with one, e.g. NewHashEmbedder())")
	}
	var qvec []float32
	if strings.TrimSpace(q.Code) != "" {
		vecs, err := emb.Embed(ctx, []string{q.Code})
		if err != nil {
			return nil, fmt.Errorf("couldn't embed the code to select lessons with %s: %w", emb.Name(), err)
		}
		if len(vecs) != 1 {
			return nil, fmt.Errorf("couldn't embed the code: %s returned %d vectors for 1 text (check the embedding model)", emb.Name(), len(vecs))
		}
		qvec = vecs[0]
		normalize(qvec)
	}
	if err := b.sync(); err != nil {
		return nil, err
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	b.mu.RLock()
	defer b.mu.RUnlock()
	if err := b.sameEmbedderLocked(emb); err != nil {
		return nil, fmt.Errorf("couldn't select lessons: %w", err)
	}
	if qvec != nil && b.dim != 0 && len(qvec) != b.dim {
		return nil, fmt.Errorf("couldn't select lessons: %s returned %d dims but the store holds %d-dim vectors "+
			"(the model changed? re-embed with `lessonl lessons reindex --embedder %s`)", emb.Name(), len(qvec), b.dim, emb.Name())
	}
	s := selector{q: q, qvec: newQueryVec(qvec)}
	var picked []cand
	var reasons []string
	switch q.Strategy {
	case StrategyLessonL:
		high := s.top(b.order, (q.K+1)/2, nil, s.highKey)
		rel := s.top(b.order, q.K-len(high), high, s.simKey)
		picked = append(high, rel...)
		for range high {
			reasons = append(reasons, "speedup")
		}
		for range rel {
			reasons = append(reasons, "relevance")
		}
	case StrategySpeedup:
		picked = s.top(b.order, q.K, nil, s.prodKey)
		reasons = repeat("speedup", len(picked))
	case StrategyRelevance:
		picked = s.top(b.order, q.K, nil, s.simKey)
		reasons = repeat("relevance", len(picked))
	case StrategyRandom:
		picked = s.top(b.order, q.K, nil, s.randomKey)
		reasons = repeat("random", len(picked))
	}
	out := make([]Selected, len(picked))
	for i, c := range picked {
		rel := s.qvec.dotVec(c.e.vec)
		score := rel
		if reasons[i] == "speedup" {
			score = c.key
		}
		out[i] = Selected{Lesson: cloneLesson(c.e.l), Score: score, Relevance: rel, Reason: reasons[i]}
	}
	return out, nil
}

func repeat(s string, n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = s
	}
	return out
}

func normalizeQuery(q Query) (Query, error) {
	switch {
	case q.K == 0:
		q.K = DefaultK
	case q.K < 0:
		return q, fmt.Errorf("couldn't select lessons: k = %d; ask for at least one lesson (or leave k at 0 for %d)", q.K, DefaultK)
	}
	switch q.Scope {
	case "":
		q.Scope = ScopeAll
	case ScopeProblem, ScopeProject, ScopeAll:
	default:
		return q, fmt.Errorf("couldn't select lessons: unknown scope %q; use problem, project or all", q.Scope)
	}
	if q.Scope == ScopeProblem && q.ProblemKey == "" {
		return q, errors.New("couldn't select lessons: scope problem needs the problem key (set Query.ProblemKey, or widen the scope to project or all)")
	}
	switch q.Strategy {
	case "":
		q.Strategy = StrategyLessonL
	case StrategyLessonL, StrategySpeedup, StrategyRelevance, StrategyRandom:
	default:
		return q, fmt.Errorf("couldn't select lessons: unknown strategy %q; use lessonl, speedup, relevance or random", q.Strategy)
	}
	return q, nil
}

// cand is a candidate with its tier (1: this problem; 2: others in scope)
// and its ranking key (higher is better).
type cand struct {
	e    *entry
	tier int8
	key  float64
}

type selector struct {
	q    Query
	qvec queryVec
}

// tier places a lesson: 0 out of scope, 1 this problem, 2 another problem in scope.
func (s *selector) tier(l *Lesson) int8 {
	if s.q.ProblemKey != "" && l.ProblemKey == s.q.ProblemKey {
		return 1
	}
	if s.q.Scope == ScopeProblem {
		return 0
	}
	if s.q.Lang != "" && !strings.EqualFold(l.Lang, s.q.Lang) {
		return 0
	}
	if s.q.Scope == ScopeProject && l.Project != s.q.Project {
		return 0
	}
	return 2
}

func (s *selector) prod(e *entry) float64 {
	if s.q.NoFactor {
		return e.l.Speedup
	}
	return e.l.Speedup * e.l.Factor
}

func (s *selector) prodKey(e *entry) (float64, bool) { return s.prod(e), true }

func (s *selector) highKey(e *entry) (float64, bool) {
	p := s.prod(e)
	return p, p >= HighThreshold-thresholdSlack
}

func (s *selector) simKey(e *entry) (float64, bool) { return s.qvec.dotVec(e.vec), true }

func (s *selector) randomKey(e *entry) (float64, bool) {
	h := fnv.New64a()
	h.Write([]byte(strconv.FormatInt(s.q.Seed, 10)))
	h.Write([]byte{0})
	h.Write([]byte(e.l.ID))
	return float64(h.Sum64()>>11) / (1 << 53), true
}

// parallelMin is the bank size from which a scan is split across cores; below
// it the goroutines cost more than they save.
const parallelMin = 8192

// top returns the n best candidates by (tier, key descending, ID), skipping
// those in exclude and those the key function rejects.
func (s *selector) top(order []*entry, n int, exclude []cand, key func(*entry) (float64, bool)) []cand {
	if n <= 0 {
		return nil
	}
	scan := func(part []*entry) *topN {
		t := &topN{n: n}
	next:
		for _, e := range part {
			if e == nil {
				continue
			}
			tier := s.tier(&e.l)
			if tier == 0 {
				continue
			}
			for _, x := range exclude {
				if x.e == e || x.e.l.Text == e.l.Text {
					continue next
				}
			}
			// Reject on tier alone before paying for the key (a dot product).
			if len(t.items) == n && tier > t.items[n-1].tier {
				continue
			}
			k, ok := key(e)
			if !ok {
				continue
			}
			if k != k { // NaN from a broken vector ranks last
				k = math.Inf(-1)
			}
			t.offer(cand{e: e, tier: tier, key: k})
		}
		return t
	}
	workers := runtime.GOMAXPROCS(0)
	if len(order) < parallelMin || workers < 2 {
		return scan(order).items
	}
	parts := make([]*topN, workers)
	var wg sync.WaitGroup
	chunk := (len(order) + workers - 1) / workers
	for w := range workers {
		lo, hi := min(w*chunk, len(order)), min((w+1)*chunk, len(order))
		wg.Go(func() { parts[w] = scan(order[lo:hi]) })
	}
	wg.Wait()
	t := &topN{n: n}
	for _, p := range parts {
		for _, c := range p.items {
			t.offer(c)
		}
	}
	return t.items
}

// topN keeps the n best candidates seen, sorted best first. k is small (the
// method's is 4), so insertion into a sorted slice beats a heap.
type topN struct {
	n     int
	items []cand
}

func better(a, b cand) bool {
	if a.tier != b.tier {
		return a.tier < b.tier
	}
	if a.key != b.key {
		return a.key > b.key
	}
	return a.e.l.ID < b.e.l.ID
}

func (t *topN) offer(c cand) {
	if len(t.items) == t.n && !better(c, t.items[t.n-1]) {
		return
	}
	// One slot per text: keep the better copy.
	for i, x := range t.items {
		if x.e.l.Text == c.e.l.Text {
			if !better(c, x) {
				return
			}
			t.items = append(t.items[:i], t.items[i+1:]...)
			break
		}
	}
	if len(t.items) == t.n {
		t.items = t.items[:t.n-1]
	}
	i := sort.Search(len(t.items), func(i int) bool { return better(c, t.items[i]) })
	t.items = append(t.items, cand{})
	copy(t.items[i+1:], t.items[i:])
	t.items[i] = c
}
