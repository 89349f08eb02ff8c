#ifndef VEC_C
#define VEC_C
#include <stddef.h>
#include <stdbool.h>

#define SQ(x) ((x) * (x))

typedef struct {
    double x, y;
} vec2;

struct node {
    int v;
    struct node *next;
};

enum mode { FAST, SLOW };

static const double weights[4] = {1, 2, 3, 4};

/* dot is the dot product of a and b. */
static inline double dot(vec2 a, vec2 b) { return a.x * b.x + a.y * b.y; }

/* norm2 is the sum of squares of x[0..n). */
double norm2(const double *restrict x, size_t n) {
    double s = 0;
    for (size_t i = 0; i < n; i++) s += SQ(x[i]) * weights[i % 4];
    return s;
}

int length(const struct node *n) {
    int k = 0;
    for (; n; n = n->next) k++;
    return k;
}

bool any(const bool *b, int count, enum mode m) {
    (void)m;
    for (int i = 0; i < count; i++)
        if (b[i]) return true;
    return false;
}

char *(*pick_fn(void))(char *) { return 0; }
#endif
