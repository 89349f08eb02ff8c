real sumsq(const real *x, size_t n) {
    real s = 0;
    for (size_t i = 0; i < n; i++) s += squared(x[i]);
    return s;
}
