#include <cstddef>
#include <vector>

// sum adds the elements of x.
double sum(const double* x, std::size_t n) {
    double s = 0;
    for (std::size_t i = 0; i < n; i++) {
        s += x[i];
    }
    return s;
}

long isum(const std::vector<int>& v) {
    long s = 0;
    for (std::size_t i = 0; i < v.size(); i++) s += v[i];
    return s;
}
