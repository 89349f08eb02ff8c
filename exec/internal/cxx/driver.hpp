// The runtime of LessonL's generated C and C++ driver (exec/internal/cxx/driver.go).
// It is written before the code under test, so it uses no name outside
// namespace lessonl but the standard library's. The generated part defines
// lessonl_args<Side> (values, gen, show, call, comparisons) and calls
// lessonl::main. Modes:
//   driver diff SEEDS SIZE BUDGET_S SLACK_S ORIG_LIMIT_S
//     every case in a forked child: generate the inputs three times, call
//     the original twice (it must be deterministic) and the variant once,
//     compare results and mutated arguments; one LESSONL-RESULT line.
//   driver time SIZE BUDGET_NS CHUNKS
//     original and variant alternate in chunks (A B, B A, ...) on one
//     input; one LESSONL-TIME line with ns per call (wall and CPU).
#include <array>
#include <cerrno>
#include <cmath>
#include <complex>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <limits>
#include <new>
#include <string>
#include <string_view>
#include <type_traits>
#include <typeinfo>
#include <utility>  // std::pair
#include <vector>

#include <cxxabi.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

// The driver's own code needs no heavy optimization, and compiles a good
// quarter faster without it; the code under test keeps the file's flags.
#pragma GCC push_options
#pragma GCC optimize("O1")

namespace lessonl {

// Profiles of inputs, tried in this order: gentle ones first. "few" draws
// from a handful of values, so duplicates and ties are common.
enum Profile { SMALL, FEW, MEDIUM, EDGE, SIZED, WIDE, NPROFILES };
static const char* const profile_names[] = {"small", "few", "medium", "edge", "sized", "wide"};

// Tolerances of float comparisons; the generated code may change them.
static long double rtol64 = 1e-6L, atol64 = 1e-9L, rtol32 = 1e-4L, atol32 = 1e-5L;

// Rng is splitmix64: small, fast to compile, and the same everywhere.
struct Rng {
  unsigned long long s = 0;
  void seed(unsigned long long v) { s = v; }
  unsigned long long operator()() {
    unsigned long long z = (s += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
  }
};

template <class T> inline T min_of(T a, T b) { return b < a ? b : a; }
template <class T> inline T max_of(T a, T b) { return a < b ? b : a; }

// sort_doubles is an insertion sort: it sorts a few dozen timings.
inline void sort_doubles(std::vector<double>& v) {
  for (std::size_t i = 1; i < v.size(); i++) {
    double x = v[i];
    std::size_t j = i;
    for (; j > 0 && v[j - 1] > x; j--) v[j] = v[j - 1];
    v[j] = x;
  }
}

struct Gen {
  Rng r;
  int profile;
  std::size_t size;
  long long seed;
  long long k = 0;
  Gen(long long s, int p, std::size_t n) : profile(p), size(n), seed(s) {
    // Profiles do not share streams.
    unsigned long long h = 0;
    for (const char* c = profile_names[p]; *c; ++c) h = h * 31 + (unsigned char)*c;
    r.seed((unsigned long long)s * 1000003ULL + h);
  }
  // edge picks the next of n edge values: seeds cycle through them all.
  int edge(int n) {
    ++k;
    return (int)((seed * 7 + k) % n);
  }
  unsigned long long u64() { return r(); }
  long long intn(long long n) { return n <= 0 ? 0 : (long long)(r() % (unsigned long long)n); }
  double unit() { return (double)(r() >> 11) * (1.0 / 9007199254740992.0); }
  double norm() {
    double u = unit(), v = unit();
    if (u < 1e-300) u = 1e-300;
    return std::sqrt(-2 * std::log(u)) * std::cos(6.283185307179586 * v);
  }
  // length of a container at depth d.
  std::size_t length(int d) {
    long long n;
    switch (profile) {
      case SMALL: n = intn(5); break;
      case FEW: n = intn(17); break;
      case EDGE: {
        static const int e[] = {0, 0, 1, 1, 2, 3};
        n = e[intn(6)];
        break;
      }
      case MEDIUM: n = intn(33); break;
      case SIZED: n = (long long)size; break;
      default: n = intn(17);
    }
    for (int i = 0; i < d && n > 4; i++) n = (long long)std::sqrt((double)n);
    if (d >= 4) n = 0;
    return (std::size_t)n;
  }
};

template <class T> struct dependent_false : std::false_type {};

// Tr<T> is how values of T are generated, compared and shown. The
// generated code specializes it for the file's structs.
template <class T, class Enable = void> struct Tr {
  static_assert(dependent_false<T>::value, "lessonl: the driver cannot generate, compare or show values of this type");
};

template <class T> void gen(Gen& g, T& v, int d) { Tr<T>::gen(g, v, d); }
template <class A, class B> bool eq(const A& a, const B& b, std::string& where) { return Tr<A>::eq(a, b, where); }
template <class T> void show(std::string& o, const T& v) { Tr<T>::show(o, v); }

// The longest a shown value gets before it is cut.
static const std::size_t show_max = 300;

inline void cut(std::string& o, std::size_t from) {
  if (o.size() - from > show_max) {
    std::size_t n = o.size() - from;
    o.resize(from + show_max);
    o += "... (" + std::to_string(n) + " bytes)";
  }
}

template <class T> std::string shown(const T& v) {
  std::string o;
  show(o, v);
  cut(o, 0);
  return o;
}

template <class T>
struct is_char : std::integral_constant<bool, std::is_same<T, char>::value> {};

// Integers other than bool and char.
template <class T>
struct Tr<T, typename std::enable_if<std::is_integral<T>::value && !std::is_same<T, bool>::value && !is_char<T>::value>::type> {
  static void gen(Gen& g, T& v, int) {
    typedef std::numeric_limits<T> L;
    if (L::is_signed) {
      long long mx = (long long)L::max(), mn = (long long)L::min();
      auto clamp = [&](long long x) { return x < mn ? mn : x > mx ? mx : x; };
      switch (g.profile) {
        case SMALL: v = (T)(g.intn(17) - 8); return;
        case FEW: v = (T)(g.intn(4) - 1); return;
        case EDGE: {
          const long long e[] = {0, 1, -1, 2, mx, mn, mx - 1, mn + 1};
          v = (T)e[g.edge(8)];
          return;
        }
        case MEDIUM: v = (T)clamp(g.intn(2001) - 1000); return;
        case SIZED: {
          long long n = g.size < 1 ? 1 : (long long)g.size;
          v = (T)clamp(g.intn(2 * n + 1) - n);
          return;
        }
        default: v = (T)g.u64(); return;
      }
    } else {
      unsigned long long mx = (unsigned long long)L::max();
      switch (g.profile) {
        case SMALL: v = (T)g.intn(9); return;
        case FEW: v = (T)g.intn(4); return;
        case EDGE: {
          const unsigned long long e[] = {0, 1, 2, mx, mx - 1, mx / 2, mx / 2 + 1};
          v = (T)e[g.edge(7)];
          return;
        }
        case MEDIUM: v = (T)((unsigned long long)g.intn(1001) & mx); return;
        case SIZED: v = (T)((unsigned long long)g.intn(2 * (long long)g.size + 1) & mx); return;
        default: v = (T)(g.u64() & mx); return;
      }
    }
  }
  template <class B> static bool eq(const T& a, const B& b, std::string&) { return a == b; }
  static void show(std::string& o, const T& v) {
    if (std::numeric_limits<T>::is_signed) o += std::to_string((long long)v);
    else o += std::to_string((unsigned long long)v);
  }
};

template <> struct Tr<bool> {
  static void gen(Gen& g, bool& v, int) { v = g.intn(2) == 1; }
  static bool eq(const bool& a, const bool& b, std::string&) { return a == b; }
  static void show(std::string& o, const bool& v) { o += v ? "true" : "false"; }
};

inline void show_char(std::string& o, unsigned char c) {
  char buf[8];
  switch (c) {
    case '\n': o += "\\n"; return;
    case '\t': o += "\\t"; return;
    case '\r': o += "\\r"; return;
    case '\\': o += "\\\\"; return;
    case '\'': o += "\\'"; return;
    case '"': o += "\\\""; return;
  }
  if (c < 32 || c >= 127) {
    std::snprintf(buf, sizeof buf, "\\x%02x", c);
    o += buf;
  } else {
    o += (char)c;
  }
}

inline char gen_char(Gen& g) {
  static const char alpha[] = "abcdefghijklmnopqrstuvwxyz ABCXYZ0123456789.,-_";
  switch (g.profile) {
    case SMALL:
    case FEW: return (char)('a' + g.intn(2));
    case EDGE: {
      static const char e[] = {'a', ' ', '\n', '\x7f', '\x01', '\xff', '0', 'Z'};
      return e[g.edge(8)];
    }
    case WIDE: return (char)(g.u64() & 0xff);
    default: return alpha[g.intn(sizeof alpha - 1)];
  }
}

template <> struct Tr<char> {
  static void gen(Gen& g, char& v, int) { v = gen_char(g); }
  static bool eq(const char& a, const char& b, std::string&) { return a == b; }
  static void show(std::string& o, const char& v) {
    o += '\'';
    show_char(o, (unsigned char)v);
    o += '\'';
  }
};

template <class F> long double rtol() { return sizeof(F) <= 4 ? rtol32 : rtol64; }
template <class F> long double atol() { return sizeof(F) <= 4 ? atol32 : atol64; }

// feq: equal within the tolerance; NaN equals NaN, infinities themselves.
template <class F> bool feq(F x, F y) {
  if (x == y) return true;
  if (std::isnan(x) && std::isnan(y)) return true;
  if (std::isnan(x) || std::isnan(y) || std::isinf(x) || std::isinf(y)) return false;
  long double d = std::fabs((long double)x - (long double)y);
  long double s = max_of(std::fabs((long double)x), std::fabs((long double)y));
  return d <= rtol<F>() * s || d <= atol<F>();
}

template <class F> F gen_float(Gen& g) {
  const bool f32 = sizeof(F) <= 4;
  switch (g.profile) {
    case SMALL: return (F)((double)(g.intn(17) - 8) / 2);
    case FEW: {
      const F e[] = {(F)0, (F)1, (F)-1, (F)0.5};
      return e[g.intn(4)];
    }
    case EDGE: {
      const F e[] = {(F)0,
                     (F)-0.0,
                     (F)1,
                     (F)-1,
                     (F)0.5,
                     std::numeric_limits<F>::quiet_NaN(),
                     std::numeric_limits<F>::infinity(),
                     -std::numeric_limits<F>::infinity(),
                     (F)(f32 ? 1e-17 : 1e-150),
                     (F)(f32 ? 1e17 : 1e150),
                     (F)(f32 ? -1e17 : -1e150),
                     std::numeric_limits<F>::denorm_min()};
      return e[g.edge(12)];
    }
    case MEDIUM: return (F)(g.norm() * 100);
    case SIZED: return (F)(g.unit() * 2000 - 1000);
    default: {
      // Values spread over the exponents, but small and large enough that
      // a product of two, summed a thousand times, neither overflows nor
      // vanishes: otherwise adding in another order (a correct variant)
      // could give inf where the original gives a number.
      double m = g.unit() * 2 - 1;
      int lim = f32 ? 56 : 496;
      int e = (int)g.intn(2 * lim + 1) - lim;
      return (F)std::ldexp(m, e);
    }
  }
}

template <class F> void show_float(std::string& o, F v) {
  char buf[64];
  if (sizeof(F) > 8) std::snprintf(buf, sizeof buf, "%.21Lg", (long double)v);
  else if (sizeof(F) == 8) std::snprintf(buf, sizeof buf, "%.17g", (double)v);
  else std::snprintf(buf, sizeof buf, "%.9g", (double)v);
  o += buf;
}

template <class T> struct Tr<T, typename std::enable_if<std::is_floating_point<T>::value>::type> {
  static void gen(Gen& g, T& v, int) { v = gen_float<T>(g); }
  template <class B> static bool eq(const T& a, const B& b, std::string&) { return feq<T>(a, (T)b); }
  static void show(std::string& o, const T& v) { show_float(o, v); }
};

template <class F> struct Tr<std::complex<F>> {
  static void gen(Gen& g, std::complex<F>& v, int) {
    F re = gen_float<F>(g), im = gen_float<F>(g);
    v = std::complex<F>(re, im);
  }
  template <class B> static bool eq(const std::complex<F>& a, const B& b, std::string&) {
    return feq<F>(a.real(), b.real()) && feq<F>(a.imag(), b.imag());
  }
  static void show(std::string& o, const std::complex<F>& v) {
    o += "(";
    show_float(o, v.real());
    o += ",";
    show_float(o, v.imag());
    o += ")";
  }
};

inline std::string gen_string(Gen& g, int d, bool nul) {
  switch (g.profile) {
    case EDGE: {
      static const char* const e[] = {"", "a", " ", "\xc3\xa9", "\xe6\x97\xa5\xe6\x9c\xac\xe8\xaa\x9e", "\xff\xfe", "a\nb", "Aa",
                                      "\xf0\x9f\x99\x82", "abababababababababababababababababababababababababababababababababababababababababababababababababab",
                                      "\x00"};
      int i = g.edge(11);
      if (i == 10) return nul ? std::string("z") : std::string(1, '\0');
      return e[i];
    }
    case WIDE: {
      std::size_t n = g.length(d);
      std::string s(n, ' ');
      for (auto& c : s) {
        c = (char)(g.u64() & 0xff);
        if (nul && c == 0) c = 1;
      }
      return s;
    }
    default: {
      std::size_t n = g.length(d);
      std::string s(n, ' ');
      for (auto& c : s) c = gen_char(g);
      return s;
    }
  }
}

inline void show_string(std::string& o, const char* p, std::size_t n) {
  o += '"';
  std::size_t from = o.size();
  for (std::size_t i = 0; i < n; i++) {
    if (o.size() - from > show_max) {
      o += "...\" (" + std::to_string(n) + " bytes)";
      return;
    }
    show_char(o, (unsigned char)p[i]);
  }
  o += '"';
}

template <> struct Tr<std::string> {
  static void gen(Gen& g, std::string& v, int d) { v = gen_string(g, d, false); }
  static bool eq(const std::string& a, const std::string& b, std::string&) { return a == b; }
  static void show(std::string& o, const std::string& v) { show_string(o, v.data(), v.size()); }
};

template <class T> bool eq_elems(const T* a, std::size_t na, const T* b, std::size_t nb, std::string& where) {
  if (na != nb) {
    where = " (length " + std::to_string(na) + " vs " + std::to_string(nb) + ")";
    return false;
  }
  for (std::size_t i = 0; i < na; i++) {
    std::string w;
    if (!eq(a[i], b[i], w)) {
      where = "[" + std::to_string(i) + "]" + w;
      return false;
    }
  }
  return true;
}

template <class T> void show_elems(std::string& o, const T* p, std::size_t n) {
  std::size_t from = o.size();
  o += "[";
  for (std::size_t i = 0; i < n; i++) {
    if (i) o += ", ";
    if (o.size() - from > show_max) {
      o += "... (" + std::to_string(n) + " elements)";
      return;
    }
    show(o, p[i]);
  }
  o += "]";
}

template <class T> struct Tr<std::vector<T>> {
  static void gen(Gen& g, std::vector<T>& v, int d) {
    v.resize(g.length(d));
    for (auto& x : v) lessonl::gen(g, x, d + 1);
  }
  template <class B> static bool eq(const std::vector<T>& a, const B& b, std::string& where) {
    return eq_elems(a.data(), a.size(), b.data(), b.size(), where);
  }
  static void show(std::string& o, const std::vector<T>& v) { show_elems(o, v.data(), v.size()); }
};

template <> struct Tr<std::vector<bool>> {
  static void gen(Gen& g, std::vector<bool>& v, int d) {
    v.resize(g.length(d));
    for (std::size_t i = 0; i < v.size(); i++) v[i] = g.intn(2) == 1;
  }
  static bool eq(const std::vector<bool>& a, const std::vector<bool>& b, std::string& where) {
    if (a.size() != b.size()) {
      where = " (length " + std::to_string(a.size()) + " vs " + std::to_string(b.size()) + ")";
      return false;
    }
    for (std::size_t i = 0; i < a.size(); i++)
      if (a[i] != b[i]) {
        where = "[" + std::to_string(i) + "]";
        return false;
      }
    return true;
  }
  static void show(std::string& o, const std::vector<bool>& v) {
    o += "[";
    for (std::size_t i = 0; i < v.size() && o.size() < show_max; i++) o += (i ? ", " : "") + std::string(v[i] ? "true" : "false");
    o += "]";
  }
};

template <class T, std::size_t N> struct Tr<std::array<T, N>> {
  static void gen(Gen& g, std::array<T, N>& v, int d) {
    for (auto& x : v) lessonl::gen(g, x, d + 1);
  }
  template <class B> static bool eq(const std::array<T, N>& a, const B& b, std::string& where) {
    return eq_elems(a.data(), N, b.data(), N, where);
  }
  static void show(std::string& o, const std::array<T, N>& v) { show_elems(o, v.data(), N); }
};

template <class A, class B> struct Tr<std::pair<A, B>> {
  static void gen(Gen& g, std::pair<A, B>& v, int d) {
    lessonl::gen(g, v.first, d);  // a pair is not a container
    lessonl::gen(g, v.second, d);
  }
  template <class P> static bool eq(const std::pair<A, B>& a, const P& b, std::string& where) {
    if (!lessonl::eq(a.first, b.first, where)) {
      where = ".first" + where;
      return false;
    }
    if (!lessonl::eq(a.second, b.second, where)) {
      where = ".second" + where;
      return false;
    }
    return true;
  }
  static void show(std::string& o, const std::pair<A, B>& v) {
    o += "(";
    lessonl::show(o, v.first);
    o += ", ";
    lessonl::show(o, v.second);
    o += ")";
  }
};

// Buf is the storage behind a pointer parameter: len elements, then as many
// zeros again (and a few more), so code that reads a little past the end
// reads the same on both sides, and writes past it are seen.
template <class T> struct Buf {
  std::vector<T> v;
  std::size_t len = 0;
  void gen(Gen& g, std::size_t n, int d) {
    len = n;
    v.assign(2 * n + 16, T());
    for (std::size_t i = 0; i < n; i++) lessonl::gen(g, v[i], d + 1);
  }
  T* data() { return v.data(); }
};

template <class T> struct Tr<Buf<T>> {
  template <class B> static bool eq(const Buf<T>& a, const B& b, std::string& where) {
    if (!eq_elems(a.v.data(), a.len, b.v.data(), b.len, where)) return false;
    // Past the end: written by one side only?
    for (std::size_t i = a.len; i < a.v.size() && i < b.v.size(); i++) {
      std::string w;
      if (!lessonl::eq(a.v[i], b.v[i], w)) {
        where = "[" + std::to_string(i) + "] (past the end: " + std::to_string(a.len) + " elements)";
        return false;
      }
    }
    return true;
  }
  static void show(std::string& o, const Buf<T>& v) { show_elems(o, v.v.data(), v.len); }
};

// CStr is the storage behind a char* parameter that is a C string.
struct CStr {
  std::vector<char> v;
  void gen(Gen& g, int d) {
    std::string s = gen_string(g, d, true);
    v.assign(s.begin(), s.end());
    v.resize(s.size() + 17, '\0');
  }
  char* data() { return v.data(); }
};

template <> struct Tr<CStr> {
  static bool eq(const CStr& a, const CStr& b, std::string& where) {
    if (a.v.size() != b.v.size() || std::memcmp(a.v.data(), b.v.data(), a.v.size()) != 0) {
      for (std::size_t i = 0; i < a.v.size() && i < b.v.size(); i++)
        if (a.v[i] != b.v[i]) {
          where = "[" + std::to_string(i) + "]";
          break;
        }
      return false;
    }
    return true;
  }
  static void show(std::string& o, const CStr& v) { show_string(o, v.v.data(), std::strlen(v.v.data())); }
};

// Void is the result of a function returning nothing.
struct Void {};
template <> struct Tr<Void> {
  static bool eq(const Void&, const Void&, std::string&) { return true; }
  static void show(std::string& o, const Void&) { o += "(no result)"; }
};

// Where is a returned pointer: into which argument, at which element.
struct Where {
  int arg = -1;  // -1: null; -2: outside every argument
  long long off = 0;
  const char* name = "";
};
template <> struct Tr<Where> {
  static bool eq(const Where& a, const Where& b, std::string&) { return a.arg == b.arg && (a.arg < 0 || a.off == b.off); }
  static void show(std::string& o, const Where& w) {
    if (w.arg == -1) o += "nullptr";
    else if (w.arg == -2) o += "a pointer outside the arguments";
    else o += std::string(w.name) + " + " + std::to_string(w.off);
  }
};

template <class T> struct Span {
  const char* name;
  const T* p;
  std::size_t n;
};

template <class T> Span<T> span_of(const char* n, const Buf<T>& b) { return Span<T>{n, b.v.data(), b.v.size()}; }
inline Span<char> span_of(const char* n, const CStr& s) { return Span<char>{n, s.v.data(), s.v.size()}; }
template <class T> Span<T> span_of(const char* n, const std::vector<T>& v) { return Span<T>{n, v.data(), v.size()}; }
template <class T, std::size_t N> Span<T> span_of(const char* n, const std::array<T, N>& v) { return Span<T>{n, v.data(), N}; }
inline Span<char> span_of(const char* n, const std::string& s) { return Span<char>{n, s.data(), s.size()}; }

template <class R, class... S> Where locate(R* r, S... spans) {
  Where w;
  if (r == nullptr) return w;
  w.arg = -2;
  int i = 0;
  auto try_one = [&](auto s) {
    const char* a = (const char*)s.p;
    const char* b = (const char*)(s.p + s.n);
    if (w.arg == -2 && (const char*)r >= a && (const char*)r <= b) {
      w.arg = i;
      w.name = s.name;
      w.off = (long long)(((const char*)r - a) / (long long)sizeof(*s.p));
    }
    i++;
  };
  (void)try_one;
  int dummy[] = {0, (try_one(spans), 0)...};
  (void)dummy;
  return w;
}

// result calls f and keeps its result by value (Void for none).
template <class F> auto result(F f) {
  typedef decltype(f()) R;
  if constexpr (std::is_void<R>::value) {
    f();
    return Void{};
  } else {
    return typename std::decay<R>::type(f());
  }
}

// Outcome is one call: its result, or the exception it threw.
template <class R> struct Outcome {
  R value{};
  bool threw = false;
  std::string what;
};

inline std::string demangle(const char* n) {
  int st = 0;
  char* d = abi::__cxa_demangle(n, nullptr, nullptr, &st);
  std::string s = st == 0 && d ? d : n;
  std::free(d);
  return s;
}

inline std::string exception_text() {
  try {
    throw;
  } catch (const std::exception& e) {
    return demangle(typeid(e).name()) + ": " + e.what();
  } catch (...) {
    return "an exception of an unknown type";
  }
}

template <class F> auto capture(F f) {
  typedef decltype(f()) R;
  Outcome<R> o;
  try {
    o.value = f();
  } catch (...) {
    o.threw = true;
    o.what = exception_text();
  }
  return o;
}

inline long long now_ns() {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (long long)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

inline long long cpu_ns() {
  struct timespec ts;
  if (clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts) != 0) return -1;
  return (long long)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

// escape keeps the compiler from assuming it knows a value: calls on the
// same arguments cannot be merged or hoisted out of a timing loop.
template <class T> inline void escape(T& v) { asm volatile("" : : "g"(&v) : "memory"); }

inline void json_str(std::string& o, const std::string& s) {
  o += '"';
  for (unsigned char c : s) {
    switch (c) {
      case '"': o += "\\\""; break;
      case '\\': o += "\\\\"; break;
      case '\n': o += "\\n"; break;
      case '\t': o += "\\t"; break;
      case '\r': o += "\\r"; break;
      default:
        if (c < 32) {
          char buf[8];
          std::snprintf(buf, sizeof buf, "\\u%04x", c);
          o += buf;
        } else {
          o += (char)c;
        }
    }
  }
  o += '"';
}

// Shared is the page a case's child writes its progress and findings to.
struct Shared {
  volatile int phase;  // 1, 2: the original's two calls; 3: the variant's; 4: done
  volatile int status;
  volatile long long deadline;  // CLOCK_MONOTONIC ns after which the parent kills the child
  char input[4096];
  char original[4096];
  char variant[4096];
  char where[1024];
};

enum Status { ST_NONE, ST_OK, ST_BOTH_THREW, ST_MISMATCH, ST_UNSTABLE, ST_VARIANT_THREW };

inline void put(char* dst, std::size_t n, const std::string& s) {
  std::size_t m = min_of(n - 1, s.size());
  std::memcpy(dst, s.data(), m);
  dst[m] = 0;
}

inline void set_timer(double seconds) {
  struct itimerval it;
  std::memset(&it, 0, sizeof it);
  if (seconds > 0) {
    long long us = (long long)(seconds * 1e6);
    if (us < 1000) us = 1000;
    it.it_value.tv_sec = us / 1000000;
    it.it_value.tv_usec = us % 1000000;
  }
  setitimer(ITIMER_REAL, &it, nullptr);
}

struct DiffConfig {
  int seeds = 20;
  std::size_t size = 1000;
  double budget = 5, slack = 1, orig_limit = 10;
};

// child runs one case and writes what it found into sh.
template <class AO, class AV> void child_case(Shared* sh, const DiffConfig& c, int profile, long long seed) {
  AO o1, o2;
  AV v;
  {
    Gen g(seed, profile, c.size);
    o1.gen(g);
  }
  {
    Gen g(seed, profile, c.size);
    o2.gen(g);
  }
  {
    Gen g(seed, profile, c.size);
    v.gen(g);
  }
  auto input = [&]() {
    AO fresh;
    Gen g(seed, profile, c.size);
    fresh.gen(g);
    return fresh.show();
  };
  sh->deadline = now_ns() + (long long)(c.orig_limit * 1e9);
  sh->phase = 1;
  set_timer(c.orig_limit);
  long long t0 = now_ns();
  auto r1 = capture([&]() { return o1.call(); });
  long long t1 = now_ns();
  sh->deadline = now_ns() + (long long)(c.orig_limit * 1e9);
  sh->phase = 2;
  set_timer(c.orig_limit);
  auto r2 = capture([&]() { return o2.call(); });
  long long t2 = now_ns();
  set_timer(0);
  std::string w;
  bool same = r1.threw == r2.threw && (r1.threw ? r1.what == r2.what : eq(r1.value, r2.value, w));
  std::string wa, oa, va;
  if (same) same = o1.eq_after(o2, wa, oa, va);
  if (!same) {
    put(sh->input, sizeof sh->input, input());
    sh->status = ST_UNSTABLE;
    sh->phase = 4;
    return;
  }
  double took = (double)max_of(t1 - t0, t2 - t1) / 1e9;
  double limit = 20 * took + c.slack;
  sh->deadline = now_ns() + (long long)(limit * 1e9);
  sh->phase = 3;
  set_timer(limit);
  auto rv = capture([&]() { return v.call(); });
  set_timer(0);
  sh->phase = 4;
  if (r1.threw && rv.threw) {
    sh->status = ST_BOTH_THREW;
    return;
  }
  auto fail = [&](int st, const std::string& orig, const std::string& var, const std::string& where) {
    put(sh->input, sizeof sh->input, input());
    put(sh->original, sizeof sh->original, orig);
    put(sh->variant, sizeof sh->variant, var);
    put(sh->where, sizeof sh->where, where);
    sh->status = st;
  };
  if (rv.threw) {
    fail(ST_VARIANT_THREW, shown(r1.value), "threw " + rv.what, "");
    return;
  }
  if (r1.threw) {
    fail(ST_MISMATCH, "threw " + r1.what, shown(rv.value), "result");
    return;
  }
  w.clear();
  if (!eq(r1.value, rv.value, w)) {
    fail(ST_MISMATCH, shown(r1.value), shown(rv.value), "result" + w);
    return;
  }
  wa.clear();
  if (!o1.eq_after(v, wa, oa, va)) {
    fail(ST_MISMATCH, oa, va, wa + " (changed by the call)");
    return;
  }
  sh->status = ST_OK;
}

inline std::string fmt_g(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%g", v);
  return buf;
}

inline void emit(const char* kind, const std::string& json) {
  std::fflush(stdout);
  std::string line = std::string("\nLESSONL-") + kind + " " + json + "\n";
  ssize_t n = write(1, line.data(), line.size());
  (void)n;
}

template <class AO, class AV> int diff(const DiffConfig& c) {
  Shared* sh = (Shared*)mmap(nullptr, sizeof(Shared), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
  if (sh == MAP_FAILED) {
    emit("RESULT", "{\"status\":\"stopped\",\"note\":\"the driver could not map shared memory\"}");
    return 0;
  }
  int cases = 0, both_threw = 0, orig_failed = 0, total = 0;
  std::string status = "ok", note, extra;
  long long start = now_ns();
  for (int p = 0; p < NPROFILES && status == "ok"; p++) {
    int n = c.seeds;
    if (p == SIZED && n > 5) n = 5;  // big inputs: a few are enough
    for (int s = 1; s <= n; s++, total++) {
      if ((double)(now_ns() - start) / 1e9 > c.budget && cases > 0) {
        note = "stopped after " + std::to_string(total) + " inputs: the time budget was used";
        goto done;
      }
      std::memset((void*)sh, 0, sizeof(Shared));
      std::fflush(stdout);
      std::fflush(stderr);
      pid_t pid = fork();
      if (pid < 0) {
        status = "stopped";
        note = std::string("the driver could not fork: ") + std::strerror(errno);
        goto done;
      }
      if (pid == 0) {
        setpgid(0, 0);
        child_case<AO, AV>(sh, c, p, s);
        _exit(0);
      }
      int ws = 0;
      bool killed = false;
      for (;;) {
        pid_t r = waitpid(pid, &ws, WNOHANG);
        if (r == pid) break;
        if (r < 0 && errno != EINTR) break;
        long long dl = sh->deadline;
        if (dl > 0 && now_ns() > dl + 2000000000LL && !killed) {
          // The child ignored its timer: stop it and everything it started.
          kill(-pid, SIGKILL);
          kill(pid, SIGKILL);
          killed = true;
        }
        usleep(sh->phase == 3 ? 200 : 1000);
      }
      kill(-pid, SIGKILL);  // anything the call left behind
      int phase = sh->phase;
      std::string where_case = std::string(profile_names[p]) + ", seed " + std::to_string(s);
      auto json_fail = [&](const char* st, const std::string& variant_text) {
        status = st;
        extra = ",\"case\":" + std::to_string(total) + ",\"seed\":" + std::to_string(s) + ",\"profile\":\"" + profile_names[p] + "\"";
        std::string in = sh->input;
        if (in.empty()) {
          AO fresh;
          Gen g(s, p, c.size);
          fresh.gen(g);
          in = fresh.show();
        }
        extra += ",\"input\":";
        json_str(extra, in);
        extra += ",\"original\":";
        json_str(extra, sh->original);
        extra += ",\"variant\":";
        json_str(extra, variant_text.empty() ? std::string(sh->variant) : variant_text);
        extra += ",\"where\":";
        json_str(extra, sh->where);
      };
      bool sig = WIFSIGNALED(ws) || killed;
      int signo = WIFSIGNALED(ws) ? WTERMSIG(ws) : SIGKILL;
      if (phase == 4) {
        switch (sh->status) {
          case ST_OK: cases++; continue;
          case ST_BOTH_THREW: cases++; both_threw++; continue;
          case ST_UNSTABLE:
            status = "unstable";
            note = "the original gives different results on two calls with the same input (" + where_case + "), so its outputs cannot be compared";
            extra = ",\"input\":";
            json_str(extra, sh->input);
            goto done;
          case ST_MISMATCH: json_fail("mismatch", ""); goto done;
          case ST_VARIANT_THREW: json_fail("variant_threw", ""); goto done;
        }
      }
      if (phase == 1 || phase == 2 || phase == 0) {
        if (sig && (signo == SIGALRM || killed)) {
          status = "stopped";
          note = "stopped at input " + std::to_string(total) + " (" + where_case + "): the original took longer than " + fmt_g(c.orig_limit) + "s";
          goto done;
        }
        // The original crashed or ended the process on this input: it is
        // not a valid input for it, and not compared.
        orig_failed++;
        continue;
      }
      // phase 3: the variant's call.
      if (sig && (signo == SIGALRM || killed)) {
        json_fail("variant_timeout", "still running after 20 times the original's time plus " + fmt_g(c.slack) + "s");
      } else if (sig) {
        json_fail("variant_crash", std::string("killed by signal ") + std::to_string(signo) + " (" + strsignal(signo) + ")");
      } else {
        json_fail("variant_exit", "ended the process with exit status " + std::to_string(WEXITSTATUS(ws)));
      }
      goto done;
    }
  }
done:
  std::string o = "{\"status\":\"" + status + "\",\"cases\":" + std::to_string(cases) + ",\"panics\":" + std::to_string(both_threw) +
                  ",\"orig_failed\":" + std::to_string(orig_failed) + extra + ",\"note\":";
  json_str(o, note);
  o += "}";
  emit("RESULT", o);
  return 0;
}

template <class AO, class AV> int timing(std::size_t size, long long budget_ns, int chunks) {
  AO o;
  AV v;
  {
    Gen g(1, SIZED, size);
    o.gen(g);
  }
  {
    Gen g(1, SIZED, size);
    v.gen(g);
  }
  const AO o0 = o;
  const AV v0 = v;
  long long wall[2] = {0, 0}, cpu[2] = {0, 0}, calls[2] = {0, 0};
  std::vector<double> per_chunk[2];  // ns per call of each chunk
  double est[2] = {0, 0};
  auto run = [&](int side, long long n) {
    if (side == 0) {
      for (long long i = 0; i < n; i++) {
        if (AO::mutates) o = o0;
        escape(o);
        auto r = o.call();
        escape(r);
      }
    } else {
      for (long long i = 0; i < n; i++) {
        if (AV::mutates) v = v0;
        escape(v);
        auto r = v.call();
        escape(r);
      }
    }
  };
  const char* side_name[2] = {"original", "variant"};
  int side = 0;
  try {
    // Calibrate each side: a warm-up chunk, then double the calls until a
    // chunk takes 100us, so the clocks' cost stays below 1%.
    for (side = 0; side < 2; side++) {
      run(side, 1);
      long long n = 1;
      for (;;) {
        long long w0 = now_ns();
        run(side, n);
        long long w = now_ns() - w0;
        if (w >= 100000 || n >= (1LL << 30)) {
          est[side] = (double)w / (double)n;
          break;
        }
        n *= 2;
      }
    }
    double slowest = max_of(max_of(est[0], est[1]), 1.0);
    long long fit = (long long)((double)budget_ns / (2 * slowest));
    if (fit < chunks) chunks = (int)fit;
    if (chunks < 2) chunks = 2;
    double per = (double)budget_ns / (2.0 * chunks);
    for (int ch = 0; ch < 2 * chunks; ch++) {
      int pair = ch / 2;
      bool second = ch % 2 == 1;
      side = ((pair % 2 == 0) != second) ? 0 : 1;  // A B, then B A
      long long n = (long long)(per / max_of(est[side], 0.5));
      if (n < 1) n = 1;
      long long c0 = cpu_ns(), w0 = now_ns();
      run(side, n);
      long long w = now_ns() - w0;
      wall[side] += w;
      cpu[side] += cpu_ns() - c0;
      calls[side] += n;
      per_chunk[side].push_back((double)w / (double)n);
    }
  } catch (...) {
    std::string o = "{\"side\":\"" + std::string(side_name[side]) + "\",\"what\":";
    json_str(o, exception_text());
    o += "}";
    emit("TIME-ERROR", o);
    return 0;
  }
  // The median chunk: a chunk the scheduler interrupted is an outlier, not
  // a share of the total.
  double med[2];
  for (int k = 0; k < 2; k++) {
    std::vector<double>& c = per_chunk[k];
    sort_doubles(c);
    std::size_t m = c.size();
    med[k] = m == 0 ? 0 : m % 2 ? c[m / 2] : (c[m / 2 - 1] + c[m / 2]) / 2;
  }
  char buf[512];
  std::snprintf(buf, sizeof buf,
                "{\"orig_ns\":%.6g,\"variant_ns\":%.6g,\"orig_mean_ns\":%.6g,\"variant_mean_ns\":%.6g,\"orig_cpu_ns\":%.6g,\"variant_cpu_ns\":%.6g,\"orig_calls\":%lld,\"variant_calls\":%lld}",
                med[0], med[1], (double)wall[0] / (double)calls[0], (double)wall[1] / (double)calls[1], (double)cpu[0] / (double)calls[0],
                (double)cpu[1] / (double)calls[1], calls[0], calls[1]);
  emit("TIME", buf);
  return 0;
}

template <class AO, class AV> int main(int argc, char** argv) {
  std::string mode = argc > 1 ? argv[1] : "";
  if (mode == "diff" && argc >= 7) {
    DiffConfig c;
    c.seeds = std::atoi(argv[2]);
    c.size = (std::size_t)std::atoll(argv[3]);
    c.budget = std::atof(argv[4]);
    c.slack = std::atof(argv[5]);
    c.orig_limit = std::atof(argv[6]);
    return diff<AO, AV>(c);
  }
  if (mode == "time" && argc >= 5) {
    return timing<AO, AV>((std::size_t)std::atoll(argv[2]), std::atoll(argv[3]), std::atoi(argv[4]));
  }
  std::fprintf(stderr, "usage: %s diff SEEDS SIZE BUDGET_S SLACK_S ORIG_LIMIT_S | time SIZE BUDGET_NS CHUNKS\n", argv[0]);
  return 2;
}

}  // namespace lessonl

#pragma GCC pop_options
