double eval(const Poly& p, double x) {
    return p.coefficients().empty() ? 0 : x;
}
