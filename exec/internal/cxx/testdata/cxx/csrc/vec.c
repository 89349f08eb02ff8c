/* C kernels for the runner's tests. */
#include <stddef.h>
#include <string.h>

#define SQ(x) ((x) * (x))

typedef double real;

static real square(real x) { return SQ(x); }

/* sumsq adds the squares of x[0..n). */
real sumsq(const real *x, size_t n) {
    real s = 0;
    for (size_t i = 0; i < n; i++) {
        s += square(x[i]);
    }
    return s;
}

/* axpy sets y = a*x + y. */
void axpy(int n, double a, const double *x, double *y) {
    for (int i = 0; i < n; i++) {
        y[i] = a * x[i] + y[i];
    }
}

/* vowels counts the vowels of a C string. */
int vowels(const char *s) {
    int n = 0;
    for (size_t i = 0; i < strlen(s); i++) {
        n += strchr("aeiouAEIOU", s[i]) != NULL && s[i] != 0;
    }
    return n;
}
