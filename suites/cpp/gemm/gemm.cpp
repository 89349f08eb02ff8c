#include <cstddef>
#include <vector>

// gemm returns the product of the n x n matrices a and b, stored row by row,
// where n is the largest whole number with n * n <= min(a.size(), b.size()).
std::vector<double> gemm(const std::vector<double>& a, const std::vector<double>& b) {
    std::size_t len = a.size() < b.size() ? a.size() : b.size();
    std::size_t n = 0;
    while ((n + 1) * (n + 1) <= len) n++;
    std::vector<double> c(n * n, 0.0);
    for (std::size_t i = 0; i < n; i++) {
        for (std::size_t j = 0; j < n; j++) {
            double sum = 0.0;
            for (std::size_t k = 0; k < n; k++) {
                sum += a[i * n + k] * b[k * n + j];
            }
            c[i * n + j] = sum;
        }
    }
    return c;
}
