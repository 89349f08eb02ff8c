double dsum(const std::vector<double>& v) {
    double s = 0;
    const long n = (long)v.size();
#pragma omp parallel for reduction(+ : s)
    for (long i = 0; i < n; i++) {
        s += v[i];
    }
    return s;
}
