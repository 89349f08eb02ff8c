/* A C file whose function takes an array of structs. */
#include <stddef.h>

/* sample is a sensor id and its reading. */
struct sample {
    int id;
    long value;
};

/* bestId returns the id of the first sample with the largest value, or -1
   for none. It compares every sample with every other: quadratic. */
int bestId(const struct sample *s, size_t n) {
    int best = -1;
    for (size_t i = 0; i < n && best < 0; i++) {
        int top = 1;
        for (size_t j = 0; j < n; j++) {
            if (s[j].value > s[i].value || (s[j].value == s[i].value && j < i)) {
                top = 0;
                break;
            }
        }
        if (top) {
            best = s[i].id;
        }
    }
    return best;
}
