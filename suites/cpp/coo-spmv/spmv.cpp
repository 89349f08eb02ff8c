#include <cstddef>
#include <cstdint>
#include <vector>

// Entry is one nonzero of a sparse matrix in coordinate form.
struct Entry {
    std::int32_t row;
    std::int32_t col;
    double value;
};

// spmv returns y = A x for the n x n sparse matrix A (n = x.size()) given by
// its entries; row and column indices are taken modulo n, and entries of
// the same row add up in the order given.
std::vector<double> spmv(const std::vector<Entry>& entries, const std::vector<double>& x) {
    const long n = (long)x.size();
    std::vector<double> y(x.size(), 0.0);
    for (long i = 0; i < n; i++) {
        double sum = 0.0;
        for (const Entry& e : entries) {
            long r = ((long)e.row % n + n) % n;
            if (r == i) {
                long c = ((long)e.col % n + n) % n;
                sum += e.value * x[c];
            }
        }
        y[i] = sum;
    }
    return y;
}
