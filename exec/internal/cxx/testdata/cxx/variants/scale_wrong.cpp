// Forgets the last element.
void scale(double* x, std::size_t n, double k) {
    for (std::size_t i = 0; i + 1 < n; i++) x[i] *= k;
}
