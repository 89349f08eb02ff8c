package cxx

import (
	"fmt"
	"strings"
	"testing"
)

func TestCTypeParse(t *testing.T) {
	f, err := readCxxFile("t.cpp", []byte(`
typedef double real;
using Vec = std::vector<real>;
typedef Vec Vec2;
struct P { double x; std::vector<int> ys; std::string name; };
struct Q { P p; std::array<float, 3> w; };
struct Bad { int* p; };
struct Base {};
struct Derived : Base { int a; };
class NoDefault { public: NoDefault(int); int a; };
union U { int a; float b; };
`), "cpp")
	if err != nil {
		t.Fatal(err)
	}
	r := newCTypes(f, map[string]string{"T": "long"})
	cases := []struct{ in, spell, err string }{
		{in: "int", spell: "int"},
		{in: "unsigned", spell: "unsigned int"},
		{in: "long unsigned int", spell: "unsigned long"},
		{in: "signed char", spell: "signed char"},
		{in: "unsigned char", spell: "unsigned char"},
		{in: "long long", spell: "long long"},
		{in: "long double", spell: "long double"},
		{in: "_Bool", spell: "bool"},
		{in: "size_t", spell: "std::size_t"},
		{in: "std::uint8_t", spell: "std::uint8_t"},
		{in: "const double*", spell: "double*"},
		{in: "double* const", spell: "double*"},
		{in: "int[4]", spell: "int*"},
		{in: "real", spell: "double"},
		{in: "const Vec&", spell: "std::vector<double>"},
		{in: "Vec2", spell: "std::vector<double>"},
		{in: "std::vector<std::vector<int>>", spell: "std::vector<std::vector<int>>"},
		{in: "vector<string>", spell: "std::vector<std::string>"},
		{in: "std::array<std::complex<float>, 8>", spell: "std::array<std::complex<float>, 8>"},
		{in: "std::basic_string<char>", spell: "std::string"},
		{in: "std::string_view", spell: "std::string"},
		{in: "T", spell: "long"},
		{in: "const std::vector<T>&", spell: "std::vector<long>"},
		{in: "P", spell: "NS::P"},
		{in: "std::vector<Q>", spell: "std::vector<NS::Q>"},
		{in: "std::pair<int, std::string>", spell: "std::pair<int, std::string>"},
		{in: "std::vector<std::pair<double, P>>", spell: "std::vector<std::pair<double, NS::P>>"},
		{in: "std::pair<int>", err: "two types"},
		{in: "int**", err: "pointers to pointers"},
		{in: "void (*)(int)", err: "function pointers"},
		{in: "std::map<int, int>", err: "`std::map` is not a type the driver knows"},
		{in: "wchar_t", err: "wide characters"},
		{in: "int[2][3]", err: "multi-dimensional"},
		{in: "std::complex<int>", err: "non-floating"},
		{in: "std::vector<int, A>", err: "own allocator"},
		{in: "enum color", err: "enums"},
		{in: "Bad", err: "member p is a pointer"},
		{in: "Derived", err: "derives from another class"},
		{in: "NoDefault", err: "no default constructor"},
		{in: "U", err: "unions"},
		{in: "Unknown", err: "`Unknown` is not a type"},
	}
	for _, c := range cases {
		typ, err := r.parse(normType(c.in))
		if c.err != "" {
			if err == nil || !strings.Contains(err.Error(), c.err) {
				t.Errorf("parse(%q) = %v, %v; want an error with %q", c.in, typ, err, c.err)
			}
			continue
		}
		if err != nil {
			t.Errorf("parse(%q): %v", c.in, err)
			continue
		}
		if got := typ.spell("NS"); got != c.spell {
			t.Errorf("parse(%q).spell = %q, want %q", c.in, got, c.spell)
		}
	}
}

func TestPlanCxx(t *testing.T) {
	src := `
#include <vector>
struct Acc { std::vector<int> xs; long total() const; void add(int k); static int zero(); };
long Acc::total() const { return 0; }
void Acc::add(int k) { xs.push_back(k); }
int Acc::zero() { return 0; }
double dot(const double* a, const double* b, size_t n) { return 0; }
void axpy(int n, double a, const double* x, double* y) {}
int first(const int* a, int target) { return 0; }
int vowels(const char* s) { return 0; }
void upcase(char* s) {}
void minmax(const int* a, size_t len, int* lo, int* hi) {}
int fixed(const int m[4]) { return m[0]; }
const int* find(const int* a, size_t n, int x) { return a; }
template <typename T> T twice(T x) { return x + x; }
template <int N> int shift(int x) { return x << N; }
int sum(int n, ...) { return n; }
auto deduced(int x) { return x; }
void inc(int& x) { x++; }
int opaque(void* p) { return 0; }
struct Box { Box() {} int operator()(int x) { return x; } };
`
	f, err := readCxxFile("p.cpp", []byte(src), "cpp")
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		fn   string
		want string // args as name:role[:count], then flags; or "error: ..."
	}{
		{"Acc::total", "recv"},
		{"Acc::add", "k:value recv mutates"},
		{"Acc::zero", ""},
		{"dot", "a:buf:n b:buf:n n:len"},
		{"axpy", "n:len a:value x:buf:n y:buf:n mutates"},
		{"first", "a:buf:target target:len"},
		{"vowels", "s:cstr"},
		{"upcase", "s:cstr mutates"},
		{"minmax", "a:buf:len len:len lo:one hi:one mutates"},
		{"fixed", "m:fixed"},
		{"find", "a:buf:n n:len x:value retptr"},
		{"twice", "x:value tmpl=int"},
		{"deduced", "x:value"},
		{"inc", "x:value mutates"},
		{"shift", "error: template parameter N is not a type"},
		{"sum", "error: variable number of arguments"},
		{"opaque", "error: parameter p: pointers to void"},
		{"Box::operator()", "error: operators"},
		{"Box::Box", "error: constructors"},
	}
	roles := map[argRole]string{roleValue: "value", roleBuf: "buf", roleLen: "len", roleOne: "one", roleFixed: "fixed", roleCStr: "cstr"}
	for _, c := range cases {
		fn := f.funcByName(c.fn)
		if fn == nil {
			t.Errorf("%s not found", c.fn)
			continue
		}
		p, err := planCxx(f, fn, &cxxSettings{})
		var got []string
		if err != nil {
			got = append(got, "error: "+err.Error())
		} else {
			for _, a := range p.args {
				s := a.name + ":" + roles[a.role]
				if a.role == roleBuf {
					s += ":" + p.args[a.lenOf].name
				}
				got = append(got, s)
			}
			if p.recv != nil {
				got = append(got, "recv")
			}
			if p.mutates {
				got = append(got, "mutates")
			}
			if p.retPtr {
				got = append(got, "retptr")
			}
			if len(p.tmplArgs) > 0 {
				got = append(got, "tmpl="+strings.Join(p.tmplArgs, ","))
			}
		}
		g := strings.Join(got, " ")
		if strings.HasPrefix(c.want, "error: ") && strings.HasPrefix(g, "error: ") {
			if !strings.Contains(g, strings.TrimPrefix(c.want, "error: ")) {
				t.Errorf("%s: %s, want %s", c.fn, g, c.want)
			}
			continue
		}
		if g != c.want {
			t.Errorf("%s: plan %q, want %q", c.fn, g, c.want)
		}
	}
	// template_args choose the types.
	p, err := planCxx(f, f.funcByName("twice"), &cxxSettings{templateArgs: []string{"double"}})
	if err != nil || fmt.Sprint(p.tmplArgs) != "[double]" || p.args[0].t.spell("") != "double" {
		t.Errorf("twice with template_args: %+v, %v", p, err)
	}
}
