// The project's test and benchmark of eval: `test` checks it, `bench`
// prints lessonl-time-ns lines for the runner.
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <vector>
#include "poly.h"

static int test() {
    struct { std::vector<double> c; double x, want; } cases[] = {
        {{}, 2, 0},
        {{3}, 5, 3},
        {{1, 1}, 2, 3},
        {{1, -2, 1}, 1, 0},
        {{0, 0, 0, 1}, -2, -8},
        {{0.5, 0.25, 0.125}, 4, 3.5},
    };
    int bad = 0;
    for (auto& t : cases) {
        double got = eval(Poly(t.c), t.x);
        if (std::fabs(got - t.want) > 1e-9 * std::fmax(1, std::fabs(t.want))) {
            std::fprintf(stderr, "eval of a degree-%zu polynomial at %g = %g, want %g\n", t.c.size(), t.x, got, t.want);
            bad++;
        }
    }
    return bad ? 1 : 0;
}

static int bench() {
    std::vector<double> c(256);
    for (std::size_t i = 0; i < c.size(); i++) c[i] = 1.0 / (1.0 + i);
    Poly p(c);
    volatile double sink = 0;
    for (int rep = 0; rep < 5; rep++) {
        auto t0 = std::chrono::steady_clock::now();
        const int n = 2000;
        for (int i = 0; i < n; i++) sink = sink + eval(p, 0.999 + i * 1e-7);
        auto t1 = std::chrono::steady_clock::now();
        double ns = std::chrono::duration<double, std::nano>(t1 - t0).count() / n;
        std::printf("lessonl-time-ns: %.1f\n", ns);
    }
    return 0;
}

int main(int argc, char** argv) {
    if (argc > 1 && std::strcmp(argv[1], "test") == 0) return test();
    if (argc > 1 && std::strcmp(argv[1], "bench") == 0) return bench();
    std::fprintf(stderr, "usage: %s test|bench\n", argv[0]);
    return 2;
}
