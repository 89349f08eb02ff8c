package golang

// This file is the differential harness. It is compiled here so its value
// generator and comparison are unit-tested, and copied (package clause
// changed) into the package under test as a _test.go file, where it calls the
// original and the variant through reflection. So: standard library only, Go
// 1.18 syntax, every name prefixed with lessonl, no dependency on the rest of
// this package. The runner reads the lines it prints (see lessonlMarker).

import (
	"encoding/json"
	"fmt"
	"math"
	"math/rand"
	"os"
	"reflect"
	"runtime"
	"strings"
	"time"
	"unsafe"
)

// lessonlMarker starts every line the harness prints for the runner.
const lessonlMarker = "LESSONL-"

// lessonlConfig comes from the runner as JSON in $LESSONL_DIFF.
type lessonlConfig struct {
	Seeds   int     `json:"seeds"`    // seeds 1..Seeds for every profile
	Size    int     `json:"size"`     // length of the "sized" profile's slices
	Budget  float64 `json:"budget"`   // seconds for all cases; cases stop after it
	MaxCase int     `json:"max_case"` // when > 0, run cases < MaxCase only (the original crashed on MaxCase)
	Slack   float64 `json:"slack"`    // seconds a variant may take beyond 20x the original on a case
}

// lessonlResult is the harness's verdict, printed as one JSON line.
type lessonlResult struct {
	Status   string `json:"status"` // ok, mismatch, variant_panic, variant_timeout, unstable, stopped, unsupported
	Cases    int    `json:"cases"`  // inputs on which both ran and agreed
	Panics   int    `json:"panics"` // of those, inputs on which both panicked
	Case     int    `json:"case"`
	Seed     int64  `json:"seed"`
	Profile  string `json:"profile"`
	Input    string `json:"input"`
	Original string `json:"original"`
	Variant  string `json:"variant"`
	Where    string `json:"where"`
	Note     string `json:"note"`
}

// lessonlProfiles are the kinds of inputs, in the order they are tried:
// gentle ones first, so an original that blows up on extreme values has
// already been compared on ordinary ones.
var lessonlProfiles = []string{"small", "medium", "edge", "sized", "wide"}

type lessonlCase struct {
	profile string
	seed    int64
}

func lessonlCases(cfg lessonlConfig) []lessonlCase {
	var cs []lessonlCase
	for _, p := range lessonlProfiles {
		n := cfg.Seeds
		if p == "sized" && n > 5 {
			n = 5 // big inputs: a few are enough
		}
		for s := 1; s <= n; s++ {
			cs = append(cs, lessonlCase{p, int64(s)})
		}
	}
	return cs
}

// lessonlGen fills values of any supported type with the inputs of a profile.
type lessonlGen struct {
	r       *rand.Rand
	profile string
	size    int
	seed    int64
	k       int // values drawn so far: edge values cycle with it, so seeds cover them all
	ptrs    int // pointers followed on the way here: bounds recursive types
}

// edge picks the next of n edge values.
func (g *lessonlGen) edge(n int) int {
	g.k++
	return int((g.seed*7 + int64(g.k)) % int64(n))
}

func lessonlNewGen(seed int64, profile string, size int) *lessonlGen {
	// Seeds are mixed with the profile so profiles do not share streams.
	h := int64(0)
	for _, c := range profile {
		h = h*31 + int64(c)
	}
	return &lessonlGen{r: rand.New(rand.NewSource(seed*1000003 + h)), profile: profile, size: size, seed: seed}
}

// lessonlUnsupported says why values of t cannot be generated, or "".
func lessonlUnsupported(t reflect.Type, seen map[reflect.Type]bool, top bool) string {
	if seen[t] {
		return ""
	}
	seen[t] = true
	switch t.Kind() {
	case reflect.Bool, reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr,
		reflect.Float32, reflect.Float64, reflect.Complex64, reflect.Complex128, reflect.String:
		return ""
	case reflect.Slice, reflect.Array, reflect.Ptr:
		return lessonlUnsupported(t.Elem(), seen, false)
	case reflect.Map:
		if s := lessonlUnsupported(t.Key(), seen, false); s != "" {
			return s
		}
		return lessonlUnsupported(t.Elem(), seen, false)
	case reflect.Struct:
		if t.PkgPath() == "time" && t.Name() == "Time" {
			return ""
		}
		for i := 0; i < t.NumField(); i++ {
			f := t.Field(i)
			if f.PkgPath != "" && !lessonlOwnStruct(t) {
				continue // left zero: another package's internals
			}
			if s := lessonlUnsupported(f.Type, seen, false); s != "" {
				return s
			}
		}
		return ""
	case reflect.Interface, reflect.Func, reflect.Chan, reflect.UnsafePointer:
		if top {
			return t.String()
		}
		return "" // inside a struct: left nil
	}
	return t.String()
}

// lessonlUnsupportedFunc says why f's parameters cannot be generated, or "".
func lessonlUnsupportedFunc(f any) string {
	ft := reflect.TypeOf(f)
	for i := 0; i < ft.NumIn(); i++ {
		if s := lessonlUnsupported(ft.In(i), map[reflect.Type]bool{}, true); s != "" {
			return s
		}
	}
	return ""
}

func lessonlOwnStruct(t reflect.Type) bool {
	return t.PkgPath() == reflect.TypeOf(lessonlConfig{}).PkgPath()
}

// length is the length of a slice, map or string at depth d: the number of
// containers around it (structs and pointers do not count, so a method's
// receiver holds slices as long as a plain argument would).
func (g *lessonlGen) length(d int) int {
	var n int
	switch g.profile {
	case "small":
		n = g.r.Intn(5)
	case "edge":
		n = []int{0, 0, 1, 1, 2, 3}[g.r.Intn(6)]
	case "medium":
		n = g.r.Intn(33)
	case "sized":
		n = g.size
	default: // wide
		n = g.r.Intn(17)
	}
	for i := 0; i < d && n > 4; i++ {
		n = int(math.Sqrt(float64(n)))
	}
	if d >= 4 {
		n = 0
	}
	return n
}

func (g *lessonlGen) int64(bits int) int64 {
	max := int64(1)<<(uint(bits)-1) - 1
	min := -max - 1
	switch g.profile {
	case "small":
		return int64(g.r.Intn(17) - 8)
	case "edge":
		e := []int64{0, 1, -1, 2, max, min, max - 1, min + 1}
		return e[g.edge(len(e))]
	case "medium":
		return g.clamp(int64(g.r.Intn(2001)-1000), min, max)
	case "sized":
		n := int64(g.size)
		if n < 1 {
			n = 1
		}
		return g.clamp(g.r.Int63n(2*n+1)-n, min, max)
	}
	return int64(g.r.Uint64()) >> (64 - uint(bits)) // wide: any value of the width
}

func (g *lessonlGen) clamp(v, min, max int64) int64 {
	if v < min {
		return min
	}
	if v > max {
		return max
	}
	return v
}

func (g *lessonlGen) uint64(bits int) uint64 {
	max := uint64(1)<<(uint(bits)-1)*2 - 1
	switch g.profile {
	case "small":
		return uint64(g.r.Intn(9))
	case "edge":
		e := []uint64{0, 1, 2, max, max - 1, max / 2, max/2 + 1}
		return e[g.edge(len(e))]
	case "medium":
		return uint64(g.r.Intn(1001)) & max
	case "sized":
		return uint64(g.r.Intn(2*g.size+1)) & max
	}
	return g.r.Uint64() & max
}

func (g *lessonlGen) float64(bits int) float64 {
	switch g.profile {
	case "small":
		return float64(g.r.Intn(17)-8) / 2
	case "edge":
		e := []float64{0, math.Copysign(0, -1), 1, -1, 0.5, math.NaN(), math.Inf(1), math.Inf(-1), 1e-300, -1e300}
		if bits == 32 {
			e = append(e, math.MaxFloat32, math.SmallestNonzeroFloat32)
		} else {
			e = append(e, math.MaxFloat64, math.SmallestNonzeroFloat64)
		}
		return e[g.edge(len(e))]
	case "medium":
		return g.r.NormFloat64() * 100
	case "sized":
		return g.r.Float64()*2000 - 1000
	}
	if bits == 32 {
		return float64(math.Float32frombits(g.r.Uint32()))
	}
	return math.Float64frombits(g.r.Uint64())
}

func (g *lessonlGen) string(d int) string {
	switch g.profile {
	case "edge":
		e := []string{"", "a", " ", "\x00", "é", "日本語", "\xff\xfe", "a\nb", "Aa", "🙂", strings.Repeat("ab", 50)}
		return e[g.edge(len(e))]
	case "wide":
		b := make([]byte, g.length(d))
		g.r.Read(b)
		return string(b)
	}
	alphabet := "ab"
	if g.profile != "small" {
		alphabet = "abcdefghijklmnopqrstuvwxyz ABCXYZ0123456789.,-_é"
	}
	rs := []rune(alphabet)
	n := g.length(d)
	var b strings.Builder
	for i := 0; i < n; i++ {
		b.WriteRune(rs[g.r.Intn(len(rs))])
	}
	return b.String()
}

// fill sets v (settable) to a generated value.
func (g *lessonlGen) fill(v reflect.Value, d int) {
	t := v.Type()
	switch t.Kind() {
	case reflect.Bool:
		v.SetBool(g.r.Intn(2) == 1)
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		v.SetInt(g.int64(t.Bits()))
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		v.SetUint(g.uint64(t.Bits()))
	case reflect.Float32, reflect.Float64:
		v.SetFloat(g.float64(t.Bits()))
	case reflect.Complex64, reflect.Complex128:
		v.SetComplex(complex(g.float64(t.Bits()/2), g.float64(t.Bits()/2)))
	case reflect.String:
		v.SetString(g.string(d))
	case reflect.Slice:
		n := g.length(d)
		s := reflect.MakeSlice(t, n, n)
		if t.Elem().Kind() == reflect.Uint8 && g.profile != "small" && g.profile != "edge" {
			b := make([]byte, n)
			g.r.Read(b)
			reflect.Copy(s, reflect.ValueOf(b).Convert(reflect.SliceOf(t.Elem())))
		} else {
			for i := 0; i < n; i++ {
				g.fill(s.Index(i), d+1)
			}
		}
		v.Set(s)
	case reflect.Array:
		for i := 0; i < v.Len(); i++ {
			g.fill(v.Index(i), d+1)
		}
	case reflect.Map:
		n := g.length(d)
		m := reflect.MakeMapWithSize(t, n)
		for i := 0; i < n; i++ {
			k := reflect.New(t.Key()).Elem()
			g.fill(k, d+1)
			e := reflect.New(t.Elem()).Elem()
			g.fill(e, d+1)
			m.SetMapIndex(k, e)
		}
		v.Set(m)
	case reflect.Ptr:
		if d >= 4 || g.ptrs >= 4 || g.profile == "edge" && g.r.Intn(4) == 0 {
			return // nil
		}
		p := reflect.New(t.Elem())
		g.ptrs++
		g.fill(p.Elem(), d)
		g.ptrs--
		v.Set(p)
	case reflect.Struct:
		if t.PkgPath() == "time" && t.Name() == "Time" {
			sec := g.r.Int63n(4102444800) // 1970..2100
			v.Set(reflect.ValueOf(time.Unix(sec, g.r.Int63n(1e9)).UTC()))
			return
		}
		own := lessonlOwnStruct(t)
		for i := 0; i < v.NumField(); i++ {
			f := v.Field(i)
			if !f.CanSet() {
				if !own {
					continue
				}
				f = reflect.NewAt(f.Type(), unsafe.Pointer(f.UnsafeAddr())).Elem()
			}
			g.fill(f, d)
		}
	}
	// Interfaces, funcs and channels inside structs stay nil.
}

// lessonlArgs generates one argument list for a function type.
func lessonlArgs(ft reflect.Type, c lessonlCase, size int) []reflect.Value {
	g := lessonlNewGen(c.seed, c.profile, size)
	args := make([]reflect.Value, ft.NumIn())
	for i := range args {
		v := reflect.New(ft.In(i)).Elem()
		g.fill(v, 0)
		args[i] = v
	}
	return args
}

// lessonlFill fills the variables ptrs point to, for the generated benchmark.
func lessonlFill(seed int64, profile string, size int, ptrs ...any) {
	g := lessonlNewGen(seed, profile, size)
	for _, p := range ptrs {
		g.fill(reflect.ValueOf(p).Elem(), 0)
	}
}

// lessonlRTol is the relative tolerance for float64 results; the runner
// rewrites this line when Options.RTol is set.
var lessonlRTol = 1e-9

// lessonlEqual compares two values deeply: floats with a relative tolerance
// and NaN equal to NaN, nil and empty slices and maps alike, unexported
// fields included. It returns the path of the first difference.
func lessonlEqual(a, b reflect.Value, path string, seen map[[2]uintptr]bool) (bool, string) {
	if !a.IsValid() || !b.IsValid() {
		return a.IsValid() == b.IsValid(), path
	}
	if a.Type() != b.Type() {
		return false, path + " (type " + a.Type().String() + " vs " + b.Type().String() + ")"
	}
	switch a.Kind() {
	case reflect.Bool:
		return a.Bool() == b.Bool(), path
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return a.Int() == b.Int(), path
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		return a.Uint() == b.Uint(), path
	case reflect.Float32, reflect.Float64:
		return lessonlFloatEqual(a.Float(), b.Float(), a.Type().Bits()), path
	case reflect.Complex64, reflect.Complex128:
		x, y := a.Complex(), b.Complex()
		bits := a.Type().Bits() / 2
		return lessonlFloatEqual(real(x), real(y), bits) && lessonlFloatEqual(imag(x), imag(y), bits), path
	case reflect.String:
		return a.String() == b.String(), path
	case reflect.Slice:
		if a.Len() != b.Len() {
			return false, fmt.Sprintf("%s (length %d vs %d)", path, a.Len(), b.Len())
		}
		if a.Len() > 0 && a.Pointer() == b.Pointer() {
			return true, path
		}
		fallthrough
	case reflect.Array:
		for i := 0; i < a.Len(); i++ {
			if ok, p := lessonlEqual(a.Index(i), b.Index(i), fmt.Sprintf("%s[%d]", path, i), seen); !ok {
				return false, p
			}
		}
		return true, path
	case reflect.Map:
		if a.Len() != b.Len() {
			return false, fmt.Sprintf("%s (%d vs %d entries)", path, a.Len(), b.Len())
		}
		for _, k := range a.MapKeys() {
			bv := b.MapIndex(k)
			if !bv.IsValid() {
				return false, fmt.Sprintf("%s[%v] (missing)", path, lessonlShow(k, 40))
			}
			if ok, p := lessonlEqual(a.MapIndex(k), bv, fmt.Sprintf("%s[%v]", path, lessonlShow(k, 40)), seen); !ok {
				return false, p
			}
		}
		return true, path
	case reflect.Ptr:
		if a.IsNil() || b.IsNil() {
			return a.IsNil() == b.IsNil(), path
		}
		key := [2]uintptr{a.Pointer(), b.Pointer()}
		if seen[key] {
			return true, path
		}
		seen[key] = true
		return lessonlEqual(a.Elem(), b.Elem(), "(*"+path+")", seen)
	case reflect.Interface:
		if a.IsNil() || b.IsNil() {
			return a.IsNil() == b.IsNil(), path
		}
		ok, p := lessonlEqual(a.Elem(), b.Elem(), path, seen)
		if !ok && a.CanInterface() && b.CanInterface() {
			// Errors are equal when they say the same thing.
			ea, okA := a.Interface().(error)
			eb, okB := b.Interface().(error)
			if okA && okB {
				return ea.Error() == eb.Error(), path
			}
		}
		return ok, p
	case reflect.Struct:
		for i := 0; i < a.NumField(); i++ {
			if ok, p := lessonlEqual(a.Field(i), b.Field(i), path+"."+a.Type().Field(i).Name, seen); !ok {
				return false, p
			}
		}
		return true, path
	case reflect.Func, reflect.Chan, reflect.UnsafePointer:
		return a.IsNil() == b.IsNil(), path
	}
	return true, path
}

func lessonlFloatEqual(x, y float64, bits int) bool {
	if x == y || math.IsNaN(x) && math.IsNaN(y) {
		return true
	}
	if math.IsInf(x, 0) || math.IsInf(y, 0) || math.IsNaN(x) || math.IsNaN(y) {
		return false
	}
	tol := lessonlRTol
	if bits == 32 {
		tol = max(tol, 1e-5)
	}
	scale := math.Max(math.Abs(x), math.Abs(y))
	return math.Abs(x-y) <= tol*scale || math.Abs(x-y) <= 1e-12
}

// lessonlShow prints a value for a report, cut to about max bytes.
func lessonlShow(v reflect.Value, max int) string {
	var s string
	switch {
	case !v.IsValid():
		s = "<nothing>"
	case lessonlErrorText(v) != "":
		s = lessonlErrorText(v)
	case v.Kind() == reflect.String:
		s = fmt.Sprintf("%q", v)
	case v.Kind() >= reflect.Bool && v.Kind() <= reflect.Complex128:
		s = fmt.Sprint(v) // numbers in decimal; %#v would show uints in hex
	default:
		s = fmt.Sprintf("%#v", v)
	}
	if len(s) > max {
		s = s[:max] + fmt.Sprintf("... (%d bytes)", len(s))
	}
	return s
}

// lessonlErrorText shows a non-nil error by its message, error("..."): its
// pointer would say nothing to the reader. "" for anything else.
func lessonlErrorText(v reflect.Value) (s string) {
	if v.Kind() != reflect.Interface && v.Kind() != reflect.Pointer || v.IsNil() || !v.CanInterface() {
		return ""
	}
	e, ok := v.Interface().(error)
	if !ok {
		return ""
	}
	defer func() {
		if recover() != nil {
			s = ""
		}
	}()
	return fmt.Sprintf("error(%q)", e.Error())
}

// lessonlShowResults prints a call's results: the value alone, or a list.
func lessonlShowResults(vs []reflect.Value, max int) string {
	if len(vs) == 0 {
		return "(no results)"
	}
	if len(vs) == 1 {
		return lessonlShow(vs[0], max)
	}
	var parts []string
	for _, v := range vs {
		parts = append(parts, lessonlShow(v, max))
	}
	return "(" + strings.Join(parts, ", ") + ")"
}

func lessonlShowList(names []string, vs []reflect.Value, max int) string {
	var parts []string
	for i, v := range vs {
		name := fmt.Sprintf("#%d", i)
		if i < len(names) && names[i] != "" {
			name = names[i]
		}
		parts = append(parts, name+"="+lessonlShow(v, max))
	}
	return strings.Join(parts, ", ")
}

// lessonlOutcome is one call: its results, or its panic, and its duration.
type lessonlOutcome struct {
	results  []reflect.Value
	panicked bool
	panicVal string
	took     time.Duration
	timedOut bool
}

// lessonlCall calls f in a goroutine and gives up waiting after limit; the
// goroutine is then abandoned (the caller stops soon after).
func lessonlCall(f reflect.Value, args []reflect.Value, limit time.Duration) lessonlOutcome {
	done := make(chan lessonlOutcome, 1)
	start := time.Now()
	go func() {
		var o lessonlOutcome
		defer func() {
			if r := recover(); r != nil {
				o.panicked = true
				o.panicVal = fmt.Sprint(r)
			}
			o.took = time.Since(start)
			done <- o
		}()
		if f.Type().IsVariadic() {
			o.results = f.CallSlice(args)
		} else {
			o.results = f.Call(args)
		}
	}()
	t := time.NewTimer(limit)
	defer t.Stop()
	select {
	case o := <-done:
		return o
	case <-t.C:
		return lessonlOutcome{timedOut: true, took: limit}
	}
}

func lessonlEmit(kind string, v any) {
	b, _ := json.Marshal(v)
	fmt.Fprintf(os.Stdout, "\n%s%s %s\n", lessonlMarker, kind, b)
}

// lessonlDiff is the differential check: for every case it calls the
// original twice (to know it is deterministic) and the variant once, each on
// its own copy of the same generated arguments, and compares results, panics
// and the arguments afterwards (mutation is output). names are the
// parameters' names, the receiver first for methods.
func lessonlDiff(orig, variant any, names []string) {
	var cfg lessonlConfig
	if err := json.Unmarshal([]byte(os.Getenv("LESSONL_DIFF")), &cfg); err != nil || cfg.Seeds == 0 {
		cfg = lessonlConfig{Seeds: 20, Size: 1000, Budget: 5, Slack: 1}
	}
	res := lessonlRunDiff(reflect.ValueOf(orig), reflect.ValueOf(variant), names, cfg, lessonlEmit)
	lessonlEmit("RESULT", res)
	if res.Status == "variant_timeout" {
		os.Exit(0) // the variant's goroutine still spins: end the process
	}
}

// lessonlRunDiff is lessonlDiff's loop; emit prints the progress marks.
func lessonlRunDiff(of, vf reflect.Value, names []string, cfg lessonlConfig, emit func(string, any)) lessonlResult {
	ft := of.Type()
	if s := lessonlUnsupportedFunc(of.Interface()); s != "" {
		return lessonlResult{Status: "unsupported", Note: "cannot generate values of type " + s}
	}
	var res lessonlResult
	start := time.Now()
	budget := time.Duration(cfg.Budget * float64(time.Second))
	slack := time.Duration(cfg.Slack * float64(time.Second))
	origLimit := budget
	if origLimit < 2*time.Second {
		origLimit = 2 * time.Second
	}
	for i, c := range lessonlCases(cfg) {
		if cfg.MaxCase > 0 && i >= cfg.MaxCase {
			res.Note = fmt.Sprintf("stopped before input %d: the original crashed on it", i)
			break
		}
		if time.Since(start) > budget && res.Cases > 0 {
			res.Note = fmt.Sprintf("stopped after %d inputs: time budget of %v used", i, budget)
			break
		}
		fail := func(status string) lessonlResult {
			res.Status, res.Case, res.Seed, res.Profile = status, i, c.seed, c.profile
			return res
		}
		a1 := lessonlArgs(ft, c, cfg.Size)
		a2 := lessonlArgs(ft, c, cfg.Size)
		a3 := lessonlArgs(ft, c, cfg.Size)
		input := lessonlShowList(names, a1, 300)
		emit("CASE", map[string]any{"case": i, "call": "original", "seed": c.seed, "profile": c.profile})
		o1 := lessonlCall(of, a1, origLimit)
		if o1.timedOut {
			res.Status = "stopped"
			res.Note = fmt.Sprintf("stopped at input %d (%s, seed %d): the original took longer than %v", i, c.profile, c.seed, origLimit)
			return res
		}
		o3 := lessonlCall(of, a3, origLimit)
		if o3.timedOut || !lessonlSame(o1, o3, a1, a3) {
			res.Status = "unstable"
			res.Note = fmt.Sprintf("the original gives different results on two calls with the same input (%s, seed %d), so its outputs cannot be compared", c.profile, c.seed)
			res.Input = input
			return res
		}
		emit("CASE", map[string]any{"case": i, "call": "variant", "seed": c.seed, "profile": c.profile, "input": input})
		took := o1.took
		if o3.took > took {
			took = o3.took
		}
		o2 := lessonlCall(vf, a2, 20*took+slack)
		res.Input = input
		switch {
		case o2.timedOut:
			res.Original = fmt.Sprintf("returned in %v", took)
			res.Variant = fmt.Sprintf("still running after %v", 20*took+slack)
			return fail("variant_timeout")
		case o1.panicked && o2.panicked:
			res.Cases++
			res.Panics++
			continue
		case o2.panicked:
			res.Original = lessonlShowResults(o1.results, 300)
			res.Variant = "panic: " + o2.panicVal
			return fail("variant_panic")
		case o1.panicked:
			res.Original = "panic: " + o1.panicVal
			res.Variant = lessonlShowResults(o2.results, 300)
			return fail("mismatch")
		}
		for j := range o1.results {
			if ok, where := lessonlEqual(o1.results[j], o2.results[j], fmt.Sprintf("result %d", j), map[[2]uintptr]bool{}); !ok {
				res.Original = lessonlShowResults(o1.results, 300)
				res.Variant = lessonlShowResults(o2.results, 300)
				res.Where = where
				return fail("mismatch")
			}
		}
		for j := range a1 {
			name := fmt.Sprintf("argument %d", j)
			if j < len(names) && names[j] != "" {
				name = names[j]
			}
			if ok, where := lessonlEqual(a1[j], a2[j], name, map[[2]uintptr]bool{}); !ok {
				res.Original = name + " after the call: " + lessonlShow(a1[j], 300)
				res.Variant = name + " after the call: " + lessonlShow(a2[j], 300)
				res.Where = where + " (changed by the call)"
				return fail("mismatch")
			}
		}
		res.Cases++
	}
	res.Status = "ok"
	res.Input = ""
	if res.Cases == res.Panics && res.Cases > 0 {
		res.Note = "the original panicked on every generated input"
	}
	return res
}

func lessonlSame(o1, o3 lessonlOutcome, a1, a3 []reflect.Value) bool {
	if o1.panicked != o3.panicked {
		return false
	}
	seen := map[[2]uintptr]bool{}
	for j := range o1.results {
		if ok, _ := lessonlEqual(o1.results[j], o3.results[j], "", seen); !ok {
			return false
		}
	}
	for j := range a1 {
		if ok, _ := lessonlEqual(a1[j], a3[j], "", seen); !ok {
			return false
		}
	}
	return true
}

// lessonlMutates reports whether calling f on args changes them (the
// benchmark then restores them before each call).
func lessonlMutates(f any, ptrs ...any) bool {
	fv := reflect.ValueOf(f)
	var args, before []reflect.Value
	for _, p := range ptrs {
		v := reflect.ValueOf(p).Elem()
		c := reflect.New(v.Type()).Elem()
		lessonlCopy(c, v)
		args = append(args, c)
		b := reflect.New(v.Type()).Elem()
		lessonlCopy(b, v)
		before = append(before, b)
	}
	o := lessonlCall(fv, args, time.Minute)
	if o.panicked || o.timedOut {
		return false
	}
	for i := range args {
		if ok, _ := lessonlEqual(args[i], before[i], "", map[[2]uintptr]bool{}); !ok {
			return true
		}
	}
	return false
}

// lessonlSnapshot returns a restore function that puts the variables ptrs
// point to back to their current values, reusing their storage.
func lessonlSnapshot(ptrs ...any) func() {
	var dst, saved []reflect.Value
	for _, p := range ptrs {
		v := reflect.ValueOf(p).Elem()
		s := reflect.New(v.Type()).Elem()
		lessonlCopy(s, v)
		dst = append(dst, v)
		saved = append(saved, s)
	}
	return func() {
		for i := range dst {
			lessonlCopy(dst[i], saved[i])
		}
	}
}

// lessonlCopy deep-copies src into dst (settable), reusing dst's slices when
// their lengths match so restoring costs little in a benchmark loop.
func lessonlCopy(dst, src reflect.Value) {
	if !dst.CanSet() {
		dst = reflect.NewAt(dst.Type(), unsafe.Pointer(dst.UnsafeAddr())).Elem()
	}
	if !src.CanInterface() && src.CanAddr() {
		// Reached through an unexported field: read it as an exported one so
		// what is derived from it (map keys, elements) can be stored.
		src = reflect.NewAt(src.Type(), unsafe.Pointer(src.UnsafeAddr())).Elem()
	}
	switch src.Kind() {
	case reflect.Slice:
		if src.IsNil() {
			dst.Set(reflect.Zero(src.Type()))
			return
		}
		if dst.IsNil() || dst.Len() != src.Len() || dst.Pointer() == src.Pointer() {
			dst.Set(reflect.MakeSlice(src.Type(), src.Len(), src.Len()))
		}
		if lessonlFlat(src.Type().Elem()) {
			reflect.Copy(dst, src)
			return
		}
		for i := 0; i < src.Len(); i++ {
			lessonlCopy(dst.Index(i), src.Index(i))
		}
	case reflect.Array:
		for i := 0; i < src.Len(); i++ {
			lessonlCopy(dst.Index(i), src.Index(i))
		}
	case reflect.Map:
		if src.IsNil() {
			dst.Set(reflect.Zero(src.Type()))
			return
		}
		m := reflect.MakeMapWithSize(src.Type(), src.Len())
		for _, k := range src.MapKeys() {
			e := reflect.New(src.Type().Elem()).Elem()
			lessonlCopy(e, src.MapIndex(k))
			m.SetMapIndex(k, e)
		}
		dst.Set(m)
	case reflect.Ptr:
		if src.IsNil() {
			dst.Set(reflect.Zero(src.Type()))
			return
		}
		if dst.IsNil() || dst.Pointer() == src.Pointer() {
			dst.Set(reflect.New(src.Type().Elem()))
		}
		lessonlCopy(dst.Elem(), src.Elem())
	case reflect.Struct:
		for i := 0; i < src.NumField(); i++ {
			lessonlCopy(dst.Field(i), src.Field(i))
		}
	default:
		if src.CanInterface() {
			dst.Set(src)
		}
	}
}

// lessonlFlat reports whether t holds no pointers, so copying its bytes is a
// deep copy.
func lessonlFlat(t reflect.Type) bool {
	switch t.Kind() {
	case reflect.Bool, reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr,
		reflect.Float32, reflect.Float64, reflect.Complex64, reflect.Complex128:
		return true
	case reflect.Array:
		return lessonlFlat(t.Elem())
	case reflect.Struct:
		for i := 0; i < t.NumField(); i++ {
			if !lessonlFlat(t.Field(i).Type) {
				return false
			}
		}
		return true
	}
	return false
}

// lessonlAB alternates the original and the variant inside one process, in
// chunks of about a millisecond, so that whatever else the machine does hits
// both alike. It calibrates each side first (doubling the calls until a chunk
// is long enough to time), then runs Chunks pairs, A B then B A. The
// benchmark drives it:
//
//	for ab.Next() { if ab.Orig { ...ab.N calls of the original... } else { ...of the variant... }; ab.Done() }
type lessonlAB struct {
	Orig bool // the next chunk calls the original
	N    int  // calls in the next chunk

	cpu     func() int64 // process CPU time in ns, or -1
	budget  time.Duration
	chunks  int
	est     [2]float64 // ns per call from calibration, by side (0 original)
	phase   int        // 0, 1: calibrating side 0, 1; 2: measuring
	warm    bool       // calibrating: the side's warm-up chunk is done
	chunk   int        // measuring: chunks done (each is one side)
	c0      int64
	w0      time.Time
	sumCPU  [2]int64
	sumWall [2]int64
	calls   [2]int64
}

// lessonlNewAB reads "budget-ns,chunks" from $LESSONL_AB.
func lessonlNewAB(cpu func() int64) *lessonlAB {
	ab := &lessonlAB{cpu: cpu, budget: 25 * time.Millisecond, chunks: 64, N: 1, Orig: true}
	var ns int64
	var chunks int
	if _, err := fmt.Sscanf(os.Getenv("LESSONL_AB"), "%d,%d", &ns, &chunks); err == nil && ns > 0 && chunks > 0 {
		ab.budget, ab.chunks = time.Duration(ns), chunks
	}
	// The inputs were just allocated: collect now, so no GC cycle they
	// started runs (on other threads, in CPU time) during the chunks.
	runtime.GC()
	return ab
}

func (ab *lessonlAB) side() int {
	if ab.Orig {
		return 0
	}
	return 1
}

// Next says whether to run another chunk (Orig and N set), and starts its clocks.
func (ab *lessonlAB) Next() bool {
	if ab.phase == 2 {
		if ab.chunk == 2*ab.chunks {
			return false
		}
		pair, second := ab.chunk/2, ab.chunk%2 == 1
		ab.Orig = (pair%2 == 0) != second // A B, then B A
		per := float64(ab.budget.Nanoseconds()) / float64(2*ab.chunks)
		ab.N = int(per / math.Max(ab.est[ab.side()], 0.5))
		if ab.N < 1 {
			ab.N = 1
		}
	}
	ab.w0 = time.Now()
	ab.c0 = ab.cpu()
	return true
}

// Done stops the clocks of the chunk just run.
func (ab *lessonlAB) Done() {
	wall := time.Since(ab.w0).Nanoseconds()
	cpu := ab.cpu() - ab.c0
	s := ab.side()
	if ab.phase < 2 {
		// Calibrating: the first chunk of a side is a warm-up (one-time
		// initialisation must not count); then double N until a chunk
		// takes 100µs, so the clocks' own cost stays below 1%.
		if !ab.warm {
			ab.warm = true
			return
		}
		if wall < 100000 && ab.N < 1<<30 {
			ab.N *= 2
			return
		}
		ab.warm = false
		ab.est[s] = float64(wall) / float64(ab.N)
		ab.phase++
		ab.N, ab.Orig = 1, false
		if ab.phase == 2 {
			// Fewer, longer chunks for slow functions: at least one call
			// per chunk, and the run near its budget.
			slowest := math.Max(math.Max(ab.est[0], ab.est[1]), 1)
			if fit := int(float64(ab.budget.Nanoseconds()) / (2 * slowest)); fit < ab.chunks {
				ab.chunks = fit
			}
			if ab.chunks < 2 {
				ab.chunks = 2
			}
		}
		return
	}
	ab.sumWall[s] += wall
	ab.sumCPU[s] += cpu
	ab.calls[s] += int64(ab.N)
	ab.chunk++
}

// Report gives the time per call of each side as benchmark metrics.
func (ab *lessonlAB) Report(b interface{ ReportMetric(float64, string) }) {
	names := [2]string{"orig", "variant"}
	for s := 0; s < 2; s++ {
		if ab.calls[s] == 0 {
			continue
		}
		b.ReportMetric(float64(ab.sumWall[s])/float64(ab.calls[s]), names[s]+"-ns/op")
		if ab.c0 >= 0 {
			b.ReportMetric(float64(ab.sumCPU[s])/float64(ab.calls[s]), names[s]+"-cpu-ns/op")
		}
	}
}
