// Horner's rule, but the constant term is lost.
double eval(const Poly& p, double x) {
    const std::vector<double>& c = p.coeffs();
    double s = 0;
    for (std::size_t i = c.size(); i > 1; i--) {
        s = s * x + c[i - 1];
    }
    return s * x;
}
