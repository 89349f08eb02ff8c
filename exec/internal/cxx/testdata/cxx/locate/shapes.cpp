#include <cstddef>
#include <vector>
#include "shapes_util.h"

using namespace std;

#define EPS 1e-9

typedef double real;
using Points = std::vector<real>;

namespace geo {
namespace detail {

// clamp01 keeps v in [0, 1].
inline real clamp01(real v) { return v < 0 ? 0 : v > 1 ? 1 : v; }

}  // namespace detail

/// Box is an axis-aligned box.
struct Box {
    real x0, y0, x1, y1;

    Box() = default;
    Box(real a, real b, real c, real d) : x0(a), y0(b), x1(c), y1(d) {}
    ~Box() {}

    // area is width times height.
    real area() const { return (x1 - x0) * (y1 - y0); }
    bool contains(real x, real y) const;
    static Box unit() { return Box(0, 0, 1, 1); }
    bool operator==(const Box& o) const { return x0 == o.x0 && y0 == o.y0 && x1 == o.x1 && y1 == o.y1; }
};

bool Box::contains(real x, real y) const {
    return x >= x0 && x <= x1 && y >= y0 && y <= y1;
}

template <typename T>
T total(const std::vector<T>& xs) {
    T s{};
    for (const T& x : xs) s += x;
    return s;
}

template <class T>
struct Stack {
    std::vector<T> items;
    T top() const { return items.back(); }
};

// scale has two overloads.
void scale(Points& ps, real k) {
    for (auto& p : ps) p *= k;
}

void scale(Points& ps, int k) { scale(ps, real(k)); }

auto area_of(const Box& b) -> real { return b.area() + EPS * 0; }

const real* first_big(const real* xs, std::size_t n, real t) {
    for (std::size_t i = 0; i < n; i++)
        if (detail::clamp01(xs[i]) > t) return xs + i;
    return nullptr;
}

}  // namespace geo

extern "C" int c_entry(int x) { return x + 1; }

#ifdef FAST
static int pick(int a) { return a * 2; }
#else
static int pick(int a) { return a + a; }
#endif

int main() { return pick(geo::Box::unit().area() > 0); }
