#include <vector>
double dsum(const std::vector<double>& v) {
    double a = 0, b = 0, c = 0, d = 0;
    std::size_t i = 0, n = v.size();
    for (; i + 4 <= n; i += 4) {
        a += v[i];
        b += v[i + 1];
        c += v[i + 2];
        d += v[i + 3];
    }
    for (; i < n; i++) a += v[i];
    return (a + b) + (c + d);
}
