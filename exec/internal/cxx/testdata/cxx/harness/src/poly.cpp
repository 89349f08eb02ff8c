#include <cmath>
#include "poly.h"

// eval is p(x), term by term.
double eval(const Poly& p, double x) {
    double s = 0;
    const std::vector<double>& c = p.coeffs();
    for (std::size_t i = 0; i < c.size(); i++) {
        s += c[i] * std::pow(x, (double)i);
    }
    return s;
}
