package vectorbank

import (
	"context"
	"errors"
	"fmt"
	"hash/fnv"
	"math"
	"slices"
	"sort"
	"strconv"
	"strings"
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
// One lesson takes one slot, the best-ranked copy's: lessons with identical
// text, and near-duplicates (NearDuplicate: one problem, one outcome, cosine
// at least 0.85). An agent that repeats a variant repeats its lesson, and k
// copies of one sentence would teach less than k sentences. The bank keeps
// every copy.
//
// With q.File inside a git repository that keeps its team's lessons
// (ProjectLessonsPath), those are candidates too, read-only.
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
		if isZero(qvec) || !finite(qvec) {
			qvec = nil // nothing to compare: relevance 0 for all, as without code
		}
	}
	var proj *source
	if q.File != "" {
		proj = b.projectSource(ctx, q.File, emb)
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
	s := &selector{ctx: ctx, q: q, qvec: qvec, srcs: []*source{{lessons: b.lessons, order: b.order, idx: b.idx, dim: b.dim}}}
	if proj != nil && (b.dim == 0 || proj.dim == b.dim) {
		p := *proj
		p.under = b.lessons
		s.srcs = append(s.srcs, &p)
	}
	var picked []*cand
	var reasons []string
	switch q.Strategy {
	case StrategyLessonL:
		high := s.ranked((q.K+1)/2, nil, s.highKey)
		rel, err := s.relevant(q.K-len(high), high)
		if err != nil {
			return nil, err
		}
		picked = append(high, rel...)
		reasons = append(repeat("speedup", len(high)), repeat("relevance", len(rel))...)
	case StrategySpeedup:
		picked = s.ranked(q.K, nil, s.prodKey)
		reasons = repeat("speedup", len(picked))
	case StrategyRelevance:
		if picked, err = s.relevant(q.K, nil); err != nil {
			return nil, err
		}
		reasons = repeat("relevance", len(picked))
	case StrategyRandom:
		picked = s.ranked(q.K, nil, s.randomKey)
		reasons = repeat("random", len(picked))
	}
	out := make([]Selected, len(picked))
	for i, c := range picked {
		rel := c.key
		if reasons[i] != "relevance" {
			rel = cosine(qvec, s.vec(c))
		}
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

// NearDuplicate is the cosine similarity from which two lessons of one
// problem with one outcome count as one lesson said twice (an agent
// rewording its lesson in a later round): they take one selection slot, the
// better-ranked copy's, and `lessons stats` counts the copies. With the hash
// embedder, a lesson and itself with a word added or changed score 0.83-0.97;
// two lessons about different changes to one function, below 0.5. Lessons
// with identical text are one lesson whatever their problem or outcome.
const NearDuplicate = 0.85

// cand is a candidate with its tier (1: this problem; 2: others in scope),
// its ranking key (higher is better) and, once needed, its vector.
type cand struct {
	e      *entry
	src    *source
	tier   int8
	key    float64
	vec    []float32
	hasVec bool
}

// source is a set of lessons selection draws from: the store, or a
// project's read-only lessons file.
type source struct {
	lessons map[string]*entry
	order   []*entry // may hold nil slots
	idx     *index   // nil while empty
	dim     int
	under   map[string]*entry // a project file's lessons give way to the store's of the same ID
}

func (src *source) shadowed(id string) bool {
	_, ok := src.under[id]
	return ok
}

type selector struct {
	ctx  context.Context
	q    Query
	qvec []float32
	srcs []*source
}

// vec is the candidate's vector, fetched from its index once.
func (s *selector) vec(c *cand) []float32 {
	if !c.hasVec && c.src.idx != nil {
		c.vec, c.hasVec = c.src.idx.vector(c.e.l.ID, c.src.dim), true
	}
	return c.vec
}

// same reports whether two candidates are one lesson for selection: the
// same text, or near-duplicates (see NearDuplicate).
func (s *selector) same(a, b *cand) bool {
	return a.e == b.e || oneLesson(&a.e.l, &b.e.l, func() ([]float32, []float32) { return s.vec(a), s.vec(b) })
}

// oneLesson reports whether a and b are one lesson said twice: the same
// text, or near-duplicates. vecs is called only when the vectors decide.
func oneLesson(a, b *Lesson, vecs func() ([]float32, []float32)) bool {
	if a.Text == b.Text {
		return true
	}
	if a.Outcome != b.Outcome || a.ProblemKey == "" || a.ProblemKey != b.ProblemKey {
		return false
	}
	va, vb := vecs()
	return cosine(va, vb) >= NearDuplicate
}

// take walks candidates best first and keeps up to n that are not the same
// lesson as one excluded or already kept.
func (s *selector) take(cands []*cand, n int, exclude []*cand) []*cand {
	var kept []*cand
next:
	for _, c := range cands {
		for _, x := range exclude {
			if s.same(c, x) {
				continue next
			}
		}
		for _, x := range kept {
			if s.same(c, x) {
				continue next
			}
		}
		if kept = append(kept, c); len(kept) == n {
			break
		}
	}
	return kept
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

func (s *selector) zeroKey(*entry) (float64, bool) { return 0, true }

func (s *selector) randomKey(e *entry) (float64, bool) {
	h := fnv.New64a()
	h.Write([]byte(strconv.FormatInt(s.q.Seed, 10)))
	h.Write([]byte{0})
	h.Write([]byte(e.l.ID))
	return float64(h.Sum64()>>11) / (1 << 53), true
}

// ranked returns the n best candidates by (tier, key descending, ID), one
// per lesson, skipping those the key function rejects: a plain sort of the
// lessons' numbers, no vectors. It gathers a few more than n at a time so
// that copies of one lesson cannot crowd out the rest.
func (s *selector) ranked(n int, exclude []*cand, key func(*entry) (float64, bool)) []*cand {
	if n <= 0 {
		return nil
	}
	for m := n + len(exclude) + 4; ; m *= 4 {
		t := &topN{n: m}
		for _, src := range s.srcs {
			for _, e := range src.order {
				if e == nil || src.shadowed(e.l.ID) {
					continue
				}
				tier := s.tier(&e.l)
				if tier == 0 || (len(t.items) == m && tier > t.items[m-1].tier) {
					continue // rejected on tier alone, before the key
				}
				k, ok := key(e)
				if !ok {
					continue
				}
				if k != k { // NaN ranks last
					k = math.Inf(-1)
				}
				t.offer(cand{e: e, src: src, tier: tier, key: k})
			}
		}
		kept := s.take(t.items, n, exclude)
		if len(kept) == n || len(t.items) < m {
			return kept
		}
	}
}

// relevant returns the n lessons most similar to the code, this problem's
// first, one per lesson: chromem-go queries, filtered by problem, language
// and project as the scope says. Without code every candidate is as
// relevant as any other (0), and they go by ID.
func (s *selector) relevant(n int, exclude []*cand) ([]*cand, error) {
	if n <= 0 {
		return nil, nil
	}
	if s.qvec == nil {
		return s.ranked(n, exclude, s.zeroKey), nil
	}
	var kept []*cand
	for tier := int8(1); tier <= 2 && len(kept) < n; tier++ {
		where, ok := s.where(tier)
		if !ok {
			continue
		}
		got, err := s.relevantTier(tier, where, n-len(kept), append(exclude[:len(exclude):len(exclude)], kept...))
		if err != nil {
			return nil, err
		}
		kept = append(kept, got...)
	}
	return kept, nil
}

// where is the chromem-go filter of a tier; false when the tier is empty by
// the query's scope.
func (s *selector) where(tier int8) (map[string]string, bool) {
	if tier == 1 {
		return map[string]string{metaProblem: s.q.ProblemKey}, s.q.ProblemKey != ""
	}
	if s.q.Scope == ScopeProblem {
		return nil, false
	}
	w := map[string]string{}
	if s.q.Lang != "" {
		w[metaLang] = strings.ToLower(s.q.Lang)
	}
	if s.q.Scope == ScopeProject {
		w[metaProject] = s.q.Project
	}
	return w, true
}

func matches(l *Lesson, where map[string]string) bool {
	meta := lessonMeta(l)
	for k, v := range where {
		if meta[k] != v {
			return false
		}
	}
	return true
}

// relevantTier asks each source's index for a few more than n lessons
// matching where, and asks again for four times as many when copies,
// exclusions or a tie at the cut left fewer than n certain picks: a result
// scored at the cut might tie with one not returned and a smaller ID.
func (s *selector) relevantTier(tier int8, where map[string]string, n int, exclude []*cand) ([]*cand, error) {
	for m := n + len(exclude) + 8; ; m *= 4 {
		var cands []*cand
		truncated, cut := false, math.Inf(-1)
		for _, src := range s.srcs {
			if src.idx == nil {
				continue
			}
			res, more, err := src.idx.query(s.ctx, s.qvec, m, where)
			if err != nil {
				return nil, err
			}
			for _, r := range res {
				e := src.lessons[r.ID]
				if e == nil || src.shadowed(r.ID) || s.tier(&e.l) != tier {
					continue
				}
				cands = append(cands, &cand{e: e, src: src, tier: tier, key: float64(r.Similarity), vec: r.Embedding, hasVec: true})
			}
			if more {
				truncated, cut = true, max(cut, float64(res[len(res)-1].Similarity))
			}
			for id := range src.idx.unindexed { // no vector: similarity 0
				if e := src.lessons[id]; e != nil && !src.shadowed(id) && s.tier(&e.l) == tier && matches(&e.l, where) {
					cands = append(cands, &cand{e: e, src: src, tier: tier, hasVec: true})
				}
			}
		}
		slices.SortFunc(cands, func(a, b *cand) int {
			if better(a, b) {
				return -1
			}
			return 1
		})
		if truncated {
			// Only what scores above the cut is known to be in order.
			i := 0
			for i < len(cands) && cands[i].key > cut {
				i++
			}
			cands = cands[:i]
		}
		kept := s.take(cands, n, exclude)
		if len(kept) == n || !truncated {
			return kept, nil
		}
	}
}

// topN keeps the n best candidates seen, sorted best first. k is small (the
// method's is 4), so insertion into a sorted slice beats a heap.
type topN struct {
	n     int
	items []*cand
}

func better(a, b *cand) bool {
	if a.tier != b.tier {
		return a.tier < b.tier
	}
	if a.key != b.key {
		return a.key > b.key
	}
	return a.e.l.ID < b.e.l.ID
}

func (t *topN) offer(v cand) {
	if len(t.items) == t.n && !better(&v, t.items[t.n-1]) {
		return
	}
	c := new(cand) // only what is kept is allocated
	*c = v
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
	t.items = append(t.items, nil)
	copy(t.items[i+1:], t.items[i:])
	t.items[i] = c
}
