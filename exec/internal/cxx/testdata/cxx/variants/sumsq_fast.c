real sumsq(const real *x, size_t n) {
    real a = 0, b = 0;
    size_t i = 0;
    for (; i + 2 <= n; i += 2) {
        a += x[i] * x[i];
        b += x[i + 1] * x[i + 1];
    }
    if (i < n) a += x[i] * x[i];
    return a + b;
}
