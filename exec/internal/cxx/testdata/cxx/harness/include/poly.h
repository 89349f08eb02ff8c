#ifndef POLY_H
#define POLY_H
#include <vector>

// Poly is a polynomial: c[i] is the coefficient of x^i.
class Poly {
public:
    explicit Poly(std::vector<double> c) : c_(std::move(c)) {}
    const std::vector<double>& coeffs() const { return c_; }

private:
    std::vector<double> c_;
};

double eval(const Poly& p, double x);

#endif
