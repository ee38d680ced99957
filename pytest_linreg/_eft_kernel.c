/*
 * Compiled kernel of pytest_linreg._extended: the refinement's double-double residuals.
 *
 * The same error-free transformations as _extended.py's numpy code, in the same order, fused
 * so that each entry of a block of the design is read once and its temporaries stay in
 * registers instead of making some forty passes over the block (issue #13: ols within 2x of
 * lstsq). For every input the numpy code handles the same way (see _extended.py) the results
 * are bit for bit those of the numpy code: the operations on each entry, and the order of
 * every sum, are the same.
 *
 * References: Ogita, Rump & Oishi, "Accurate sum and dot product", SIAM J. Sci. Comput. 26(6),
 * 2005 (ORO05): TwoSum (Alg. 3.1), Veltkamp's split (Alg. 3.2), TwoProduct (Alg. 3.3), Sum2 and
 * SumK over blocks (Section 4).
 *
 * Error-free transformations are only exact when every operation is rounded separately: this
 * file must be compiled without floating-point contraction (-ffp-contract=off; setup.py passes
 * it) and without -ffast-math. Every array argument is a float64 buffer; the Python wrapper
 * checks shapes and passes contiguous vectors.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <float.h>
#include <stdint.h>
#include <string.h>

/* Every operation must be rounded to float64 on its own: no fast-math reassociation, no
 * x87 extended precision (FLT_EVAL_METHOD 2, i686's default without -mfpmath=sse). Contraction
 * into FMAs has no macro to test in GCC: setup.py passes -ffp-contract=off. */
#if defined(__FAST_MATH__) || defined(__ASSOCIATIVE_MATH__)
#error "the error-free transformations need IEEE arithmetic: do not compile with -ffast-math"
#endif
#if !defined(FLT_EVAL_METHOD) || FLT_EVAL_METHOD != 0
#error "the error-free transformations need double evaluated as double (FLT_EVAL_METHOD 0)"
#endif
#if defined(__clang__)
#pragma STDC FP_CONTRACT OFF
#endif

static const double SPLITTER = 134217729.0; /* 2**27 + 1, Veltkamp (ORO05, Alg. 3.2) */

/* --------------------------------------------------------------------- buffers */

typedef struct {
    Py_buffer view;
    int held;
} Buffer;

static void release(Buffer *b) {
    if (b->held) {
        PyBuffer_Release(&b->view);
        b->held = 0;
    }
}

static int is_float64(const Py_buffer *v) {
    const char *f = v->format;
    if (f == NULL || v->itemsize != 8) return 0;
    const char native_order = PY_LITTLE_ENDIAN ? '<' : '>';
    if (f[0] == native_order || f[0] == '=' || f[0] == '@') f++;
    return f[0] == 'd' && f[1] == '\0';
}

/* Aligned to a double, strides included: the kernel reads and writes doubles in place. */
static int is_aligned(const Py_buffer *v) {
    if ((uintptr_t)v->buf % sizeof(double) != 0) return 0;
    for (int i = 0; i < v->ndim; i++) {
        if (v->strides[i] % (Py_ssize_t)sizeof(double) != 0) return 0;
    }
    return 1;
}

/* A float64 buffer of ndim dimensions; None allowed when optional. Writable if asked. */
static int get_buffer(PyObject *obj, Buffer *out, int ndim, int writable, int optional,
                      const char *name) {
    out->held = 0;
    if (obj == Py_None) {
        if (optional) return 0;
        PyErr_Format(PyExc_TypeError, "%s must be an array, not None", name);
        return -1;
    }
    int flags = PyBUF_RECORDS_RO | (writable ? PyBUF_WRITABLE : 0);
    if (PyObject_GetBuffer(obj, &out->view, flags) < 0) return -1;
    out->held = 1;
    if (!is_float64(&out->view) || out->view.ndim != ndim) {
        PyErr_Format(PyExc_ValueError, "%s must be a %d-d float64 array", name, ndim);
        release(out);
        return -1;
    }
    if (!is_aligned(&out->view)) {
        PyErr_Format(PyExc_ValueError, "%s must be aligned to 8 bytes", name);
        release(out);
        return -1;
    }
    if (ndim == 1 && out->view.strides[0] != 8) {
        PyErr_Format(PyExc_ValueError, "%s must be contiguous", name);
        release(out);
        return -1;
    }
    return 0;
}

static const double *data_or_null(const Buffer *b) {
    return b->held ? (const double *)b->view.buf : NULL;
}

/* --------------------------------------------------------------------- kernel */

typedef struct {
    /* The design: X (n x q, any byte strides) times scale, after a column of scale[0]. */
    const char *X;
    Py_ssize_t n, q, s0, s1;
    const double *scale;
    int intercept;
    Py_ssize_t k;
    /* Inputs (NULL: absent, as the numpy code's None). */
    const double *b, *r_hi, *r_lo, *x_hi, *x_lo, *g_hi, *g_lo;
    int triple;
    Py_ssize_t block;
    /* Outputs: f, or the double-double residual (hi, lo); the g accumulators (k x block). */
    double *f, *res_hi, *res_lo;
    double *acc0, *acc1, *acc2;
} Task;

/* Scratch of one block (the numpy code's _Workspace). Slicing blocks further, to keep the
 * temporaries in L1, measured no faster on this project's machine (nor did an AVX-512 build). */
typedef struct {
    double *A, *A_hi, *A_lo;    /* k x block (the task's), rows of stride block */
    double *cur, *other, *e;    /* (k + 2) x block: the summation tree's levels */
    double *level, *err, *small, *tmp, *tmp2; /* block */
    double *mx, *mx_hi, *mx_lo, *mx_tail;     /* k: -x_hi split, -x_lo */
} Work;

/* TwoProduct's error term by a fused multiply-add where the processor has one (ORO05, §3: the
 * same exact value as Dekker's product_error, in one instruction instead of eight), chosen at
 * run time on x86-64 and always used where the compiler targets FMA hardware. The two agree
 * bit for bit except where a partial product of Dekker's falls below float64's normal range
 * (|a*b| below about 2**-969), where the FMA's is the exact one. */
#if defined(__FMA__) || defined(__ARM_FEATURE_FMA)
#define FMA_ALWAYS 1
#elif defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#define FMA_DISPATCH 1
#endif
#if defined(__GNUC__) || defined(__clang__)
#define INLINE static inline __attribute__((always_inline))
#else
#define INLINE static inline
#endif
#if defined(FMA_ALWAYS) || defined(FMA_DISPATCH)
#define FUSED(a, b, p) __builtin_fma((a), (b), -(p))
#else
#define FUSED(a, b, p) 0.0 /* never evaluated: fma is 0 wherever FMA is not compiled in */
#endif
/* a*b - p for p = fl(a*b): fused, or Dekker's from the halves of a and b. */
#define PRODUCT_ERROR(fma, a, b, a_hi, a_lo, b_hi, b_lo, p) \
    ((fma) ? FUSED(a, b, p) : product_error(a_hi, a_lo, b_hi, b_lo, p))

INLINE void two_sum(double a, double b, double *s, double *e) {
    double sum = a + b;
    double bb = sum - a;
    *e = (a - (sum - bb)) + (b - bb);
    *s = sum;
}

INLINE void split(double a, double *hi, double *lo) {
    double c = SPLITTER * a;
    double h = c - (c - a);
    *hi = h;
    *lo = a - h;
}

/* Exact a*b - p for p = fl(a*b), a and b already split (ORO05, Alg. 3.3), in numpy's order. */
INLINE double product_error(double a_hi, double a_lo, double b_hi, double b_lo,
                                   double p) {
    double e = a_hi * b_hi;
    e -= p;
    e += a_lo * b_hi;
    e += a_hi * b_lo;
    e += a_lo * b_lo;
    return e;
}

/* Rows start .. start + m of A, transposed into w->A (k x block), and split. */
INLINE void load_block(const Task *t, Work *w, Py_ssize_t start, Py_ssize_t m, const int fma) {
    const Py_ssize_t B = t->block;
    if (t->intercept) {
        for (Py_ssize_t i = 0; i < m; i++) w->A[i] = t->scale[0];
    }
    for (Py_ssize_t i = 0; i < m; i++) {
        const char *row = t->X + (start + i) * t->s0;
        for (Py_ssize_t c = 0; c < t->q; c++) {
            Py_ssize_t j = c + t->intercept;
            w->A[j * B + i] = *(const double *)(row + c * t->s1) * t->scale[j];
        }
    }
    if (fma) return; /* the halves are only for Dekker's product */
    for (Py_ssize_t j = 0; j < t->k; j++) {
        const double *a = w->A + j * B;
        double *hi = w->A_hi + j * B, *lo = w->A_lo + j * B;
        for (Py_ssize_t i = 0; i < m; i++) split(a[i], &hi[i], &lo[i]);
    }
}

/* b - r - A x over one block: the pairwise TwoSum tree of _tree_sum_into, the products'
 * errors summed in order of the columns, as _residual_block does. Leaves the tree's sum in
 * w->cur[0..m) (returned) and its errors in w->err. */
INLINE const double *residual_block(const Task *t, Work *w, Py_ssize_t start, Py_ssize_t m,
                                   const int fma) {
    const Py_ssize_t B = t->block, k = t->k;
    double *cur = w->cur, *other = w->other;
    for (Py_ssize_t i = 0; i < m; i++) {
        cur[i] = t->b[start + i];
        /* np.negative of the zeros residual_dd passes is -0.0, kept for bit-equality */
        cur[B + i] = t->r_hi ? -t->r_hi[start + i] : -0.0;
        w->err[i] = 0.0;
    }
    for (Py_ssize_t j = 0; j < k; j++) {
        const double *a = w->A + j * B, *ah = w->A_hi + j * B, *al = w->A_lo + j * B;
        double *p = cur + (j + 2) * B;
        const double mx = w->mx[j], mh = w->mx_hi[j], ml = w->mx_lo[j];
        double *sm = j == 0 ? w->small : w->tmp;
        for (Py_ssize_t i = 0; i < m; i++) {
            double prod = a[i] * mx;
            p[i] = prod;
            double e = PRODUCT_ERROR(fma, a[i], mx, ah[i], al[i], mh, ml, prod);
            if (w->mx_tail) e += a[i] * w->mx_tail[j];
            sm[i] = e;
        }
        if (j > 0) {
            for (Py_ssize_t i = 0; i < m; i++) w->small[i] += sm[i];
        }
    }
    Py_ssize_t rows = k + 2;
    while (rows > 1) {
        Py_ssize_t half = rows / 2;
        for (Py_ssize_t h = 0; h < half; h++) {
            const double *a = cur + h * B, *b = cur + (half + h) * B;
            double *s = other + h * B, *e = w->e + h * B;
            for (Py_ssize_t i = 0; i < m; i++) two_sum(a[i], b[i], &s[i], &e[i]);
        }
        /* err += e[:half].sum(axis=0): the level's errors summed in order, then added */
        memcpy(w->level, w->e, (size_t)m * sizeof(double));
        for (Py_ssize_t h = 1; h < half; h++) {
            const double *e = w->e + h * B;
            for (Py_ssize_t i = 0; i < m; i++) w->level[i] += e[i];
        }
        for (Py_ssize_t i = 0; i < m; i++) w->err[i] += w->level[i];
        if (rows % 2) memcpy(other + half * B, cur + (rows - 1) * B, (size_t)m * sizeof(double));
        rows = half + rows % 2;
        double *swap = cur;
        cur = other;
        other = swap;
    }
    if (t->r_lo) {
        for (Py_ssize_t i = 0; i < m; i++) w->err[i] -= t->r_lo[start + i];
    }
    for (Py_ssize_t i = 0; i < m; i++) w->err[i] += w->small[i];
    return cur;
}

/* One entry of _accumulate_g's triple mode: A r_hi as an exact pair into the first two levels,
 * A r_lo's pair too (with_lo), the O(u) terms through a second TwoSum level into the third. */
INLINE void triple_entry(double a, double a_hi, double a_lo, double gh, double gh_hi,
                         double gh_lo, double gl, double *c0, double *c1, double *c2,
                         const int fma, const int with_lo) {
    double p = a * gh;
    double pe = PRODUCT_ERROR(fma, a, gh, a_hi, a_lo, gh_hi, gh_lo, p);
    double s, e, mid, tail, p2 = 0.0;
    two_sum(*c0, p, &s, &e);
    *c0 = s;
    mid = *c1;
    if (with_lo) {
        double l_hi = 0.0, l_lo = 0.0;
        if (!fma) split(gl, &l_hi, &l_lo);
        p2 = a * gl;
        *c2 += PRODUCT_ERROR(fma, a, gl, a_hi, a_lo, l_hi, l_lo, p2);
    }
    two_sum(mid, e, &mid, &tail);
    *c2 += tail;
    two_sum(mid, pe, &mid, &tail);
    *c2 += tail;
    if (with_lo) {
        two_sum(mid, p2, &mid, &tail);
        *c2 += tail;
    }
    *c1 = mid;
}

/* _accumulate_g: A v of rows start .. start + m added entrywise into the accumulators. */
INLINE void accumulate_g(const Task *t, Work *w, Py_ssize_t start, Py_ssize_t m, const int fma) {
    const Py_ssize_t B = t->block;
    const double *gh = t->g_hi + start, *gl = t->g_lo ? t->g_lo + start : NULL;
    double *rs_hi = w->tmp, *rs_lo = w->tmp2;
    if (!fma) {
        for (Py_ssize_t i = 0; i < m; i++) split(gh[i], &rs_hi[i], &rs_lo[i]);
    }
    for (Py_ssize_t j = 0; j < t->k; j++) {
        const double *a = w->A + j * B, *ah = w->A_hi + j * B, *al = w->A_lo + j * B;
        double *c0 = t->acc0 + j * B, *c1 = t->acc1 + j * B;
        if (!t->triple) {
            for (Py_ssize_t i = 0; i < m; i++) {
                double p = a[i] * gh[i];
                double pe = PRODUCT_ERROR(fma, a[i], gh[i], ah[i], al[i], rs_hi[i], rs_lo[i], p);
                double s, e;
                two_sum(c0[i], p, &s, &e);
                c0[i] = s;
                if (gl) pe += a[i] * gl[i];
                c1[i] += e;
                c1[i] += pe;
            }
            continue;
        }
        double *c2 = t->acc2 + j * B;
        /* Two loops, with and without g's low part: a branch inside kept GCC from
         * vectorising the loop (3x slower than the double mode's). */
        if (gl) {
            for (Py_ssize_t i = 0; i < m; i++)
                triple_entry(a[i], ah[i], al[i], gh[i], rs_hi[i], rs_lo[i], gl[i], &c0[i],
                             &c1[i], &c2[i], fma, 1);
        } else {
            for (Py_ssize_t i = 0; i < m; i++)
                triple_entry(a[i], ah[i], al[i], gh[i], rs_hi[i], rs_lo[i], 0.0, &c0[i],
                             &c1[i], &c2[i], fma, 0);
        }
    }
}

INLINE void run_body(const Task *t, Work *w, const int fma) {
    for (Py_ssize_t j = 0; j < t->k; j++) {
        double mx = -t->x_hi[j];
        w->mx[j] = mx;
        split(mx, &w->mx_hi[j], &w->mx_lo[j]);
        if (w->mx_tail) w->mx_tail[j] = -t->x_lo[j];
    }
    for (Py_ssize_t start = 0; start < t->n; start += t->block) {
        Py_ssize_t m = t->n - start < t->block ? t->n - start : t->block;
        load_block(t, w, start, m, fma);
        if (t->b) {
            const double *s = residual_block(t, w, start, m, fma);
            if (t->f) {
                for (Py_ssize_t i = 0; i < m; i++) t->f[start + i] = s[i] + w->err[i];
            } else {
                for (Py_ssize_t i = 0; i < m; i++)
                    two_sum(s[i], w->err[i], &t->res_hi[start + i], &t->res_lo[start + i]);
            }
        }
        if (t->acc0) accumulate_g(t, w, start, m, fma);
    }
}

#if defined(FMA_ALWAYS)
static void run(const Task *t, Work *w) { run_body(t, w, 1); }
static const char *const variant = "fma";
#elif defined(FMA_DISPATCH)
static void run_plain(const Task *t, Work *w) { run_body(t, w, 0); }
__attribute__((target("avx2,fma"))) static void run_fma(const Task *t, Work *w) {
    run_body(t, w, 1);
}
static const char *variant = "dekker";
static int fma_available = 0;
static void run(const Task *t, Work *w) {
    if (variant[0] == 'f') run_fma(t, w);
    else run_plain(t, w);
}
#else
static void run(const Task *t, Work *w) { run_body(t, w, 0); }
static const char *const variant = "dekker";
#endif

/* --------------------------------------------------------------------- Python entry */

static int check_length(const Buffer *b, Py_ssize_t n, const char *name) {
    if (b->held && b->view.shape[0] != n) {
        PyErr_Format(PyExc_ValueError, "%s has %zd entries, expected %zd", name,
                     b->view.shape[0], n);
        return -1;
    }
    return 0;
}

static int check_acc(const Buffer *b, Py_ssize_t k, Py_ssize_t block, const char *name) {
    if (!b->held) return 0;
    const Py_buffer *v = &b->view;
    if (v->shape[0] != k || v->shape[1] != block || v->strides[1] != 8 ||
        v->strides[0] != 8 * block) {
        PyErr_Format(PyExc_ValueError, "%s must be a C-contiguous (%zd, %zd) array", name, k,
                     block);
        return -1;
    }
    return 0;
}

PyDoc_STRVAR(residuals_doc,
"residuals(X, scale, intercept, b, r_hi, r_lo, x_hi, x_lo, g_hi, g_lo, triple, block,\n"
"          f, res_hi, res_lo, acc0, acc1, acc2)\n--\n\n"
"The refinement's residuals of the design [1, X]*scale (intercept) or X*scale, in place.\n"
"f = b - r - A x rounded once (or, with f None, b - A x into res_hi + res_lo), and A^T g\n"
"added into the accumulators acc0..acc2 of shape (k, block). Optional arguments are None.");

static PyObject *residuals(PyObject *self, PyObject *args) {
    (void)self;
    PyObject *o[18];
    int intercept, triple;
    Py_ssize_t block;
    if (!PyArg_ParseTuple(args, "OOpOOOOOOOpnOOOOOO", &o[0], &o[1], &intercept, &o[3], &o[4],
                          &o[5], &o[6], &o[7], &o[8], &o[9], &triple, &block, &o[12], &o[13],
                          &o[14], &o[15], &o[16], &o[17]))
        return NULL;
    enum { X, SCALE, B_, R_HI, R_LO, X_HI, X_LO, G_HI, G_LO, F, RES_HI, RES_LO, A0, A1, A2, NBUF };
    static const int arg_of[NBUF] = {0, 1, 3, 4, 5, 6, 7, 8, 9, 12, 13, 14, 15, 16, 17};
    static const char *names[NBUF] = {"X", "scale", "b", "r_hi", "r_lo", "x_hi", "x_lo",
                                      "g_hi", "g_lo", "f", "res_hi", "res_lo", "acc0", "acc1",
                                      "acc2"};
    static const int ndim[NBUF] = {2, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 2, 2, 2};
    static const int writable[NBUF] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1};
    static const int optional[NBUF] = {0, 0, 1, 1, 1, 0, 1, 1, 1, 1, 1, 1, 1, 1, 1};
    Buffer buf[NBUF];
    memset(buf, 0, sizeof buf);
    PyObject *result = NULL;
    Work w;
    memset(&w, 0, sizeof w);
    double *arena = NULL;
    for (int i = 0; i < NBUF; i++) {
        if (get_buffer(o[arg_of[i]], &buf[i], ndim[i], writable[i], optional[i], names[i]) < 0)
            goto done;
    }
    Task t;
    memset(&t, 0, sizeof t);
    const Py_buffer *xv = &buf[X].view;
    t.X = (const char *)xv->buf;
    t.n = xv->shape[0];
    t.q = xv->shape[1];
    t.s0 = xv->strides[0];
    t.s1 = xv->strides[1];
    t.intercept = intercept;
    t.k = t.q + (intercept ? 1 : 0);
    t.triple = triple;
    t.block = block;
    if (t.k < 1 || buf[SCALE].view.shape[0] != t.k || buf[X_HI].view.shape[0] != t.k ||
        (buf[X_LO].held && buf[X_LO].view.shape[0] != t.k)) {
        PyErr_SetString(PyExc_ValueError, "scale, x_hi and x_lo need k >= 1 entries");
        goto done;
    }
    if (block < 1 || block > (t.n > 1 ? t.n : 1)) { /* the wrapper's rule */
        PyErr_SetString(PyExc_ValueError, "block must be between 1 and the number of rows");
        goto done;
    }
    /* The scratch below, (3k + 3(k + 2) + 5) x block + 4k doubles, sized in floating point
     * first so that its size_t product cannot wrap. */
    if ((6.0 * (double)t.k + 11.0) * (double)block + 4.0 * (double)t.k >
        (double)PY_SSIZE_T_MAX / sizeof(double)) {
        PyErr_NoMemory();
        goto done;
    }
    for (int i = B_; i <= RES_LO; i++) {
        if (i == X_HI || i == X_LO) continue;
        if (check_length(&buf[i], t.n, names[i]) < 0) goto done;
    }
    for (int i = A0; i <= A2; i++) {
        if (check_acc(&buf[i], t.k, block, names[i]) < 0) goto done;
    }
    int wants_residual = buf[B_].held, wants_g = buf[A0].held;
    if ((wants_residual && !buf[F].held && !(buf[RES_HI].held && buf[RES_LO].held)) ||
        (wants_g && (!buf[A1].held || !buf[G_HI].held || (triple && !buf[A2].held)))) {
        PyErr_SetString(PyExc_ValueError, "an output or its input is missing");
        goto done;
    }
    t.scale = data_or_null(&buf[SCALE]);
    t.b = data_or_null(&buf[B_]);
    t.r_hi = data_or_null(&buf[R_HI]);
    t.r_lo = data_or_null(&buf[R_LO]);
    t.x_hi = data_or_null(&buf[X_HI]);
    t.x_lo = data_or_null(&buf[X_LO]);
    t.g_hi = data_or_null(&buf[G_HI]);
    t.g_lo = data_or_null(&buf[G_LO]);
    t.f = (double *)data_or_null(&buf[F]);
    t.res_hi = (double *)data_or_null(&buf[RES_HI]);
    t.res_lo = (double *)data_or_null(&buf[RES_LO]);
    t.acc0 = (double *)data_or_null(&buf[A0]);
    t.acc1 = (double *)data_or_null(&buf[A1]);
    t.acc2 = (double *)data_or_null(&buf[A2]);

    const size_t K = (size_t)t.k, B = (size_t)block;
    const size_t total = 3 * K * B + 3 * (K + 2) * B + 5 * B + 4 * K;
    arena = PyMem_RawMalloc(total * sizeof(double));
    if (arena == NULL) {
        PyErr_NoMemory();
        goto done;
    }
    double *p = arena;
    w.A = p, p += K * B;
    w.A_hi = p, p += K * B;
    w.A_lo = p, p += K * B;
    w.cur = p, p += (K + 2) * B;
    w.other = p, p += (K + 2) * B;
    w.e = p, p += (K + 2) * B;
    w.level = p, p += B;
    w.err = p, p += B;
    w.small = p, p += B;
    w.tmp = p, p += B;
    w.tmp2 = p, p += B;
    w.mx = p, p += K;
    w.mx_hi = p, p += K;
    w.mx_lo = p, p += K;
    w.mx_tail = t.x_lo ? p : NULL;

    Py_BEGIN_ALLOW_THREADS
    run(&t, &w);
    Py_END_ALLOW_THREADS
    result = Py_None;
    Py_INCREF(result);
done:
    PyMem_RawFree(arena);
    for (int i = 0; i < NBUF; i++) release(&buf[i]);
    return result;
}

PyDoc_STRVAR(fold_doc,
"fold(acc0, acc1, acc2, width)\n--\n\n"
"_extended._fold in place: halve the (k, width) accumulators (acc2 None in double mode)\n"
"until at most `width` wide; returns the new width.");

static PyObject *fold(PyObject *self, PyObject *args) {
    (void)self;
    PyObject *o[3];
    Py_ssize_t target;
    if (!PyArg_ParseTuple(args, "OOOn", &o[0], &o[1], &o[2], &target)) return NULL;
    static const char *names[3] = {"acc0", "acc1", "acc2"};
    Buffer buf[3];
    memset(buf, 0, sizeof buf);
    PyObject *result = NULL;
    for (int i = 0; i < 3; i++) {
        if (get_buffer(o[i], &buf[i], 2, 1, i == 2, names[i]) < 0) goto done;
    }
    const Py_ssize_t k = buf[0].view.shape[0], W = buf[0].view.shape[1];
    for (int i = 0; i < 3; i++) {
        if (check_acc(&buf[i], k, W, names[i]) < 0) goto done;
    }
    if (target < 1) {
        PyErr_SetString(PyExc_ValueError, "the folded width must be at least 1");
        goto done;
    }
    double *a0 = buf[0].view.buf, *a1 = buf[1].view.buf;
    double *a2 = buf[2].held ? buf[2].view.buf : NULL;
    Py_ssize_t width = W;
    Py_BEGIN_ALLOW_THREADS
    while (width > target) {
        const Py_ssize_t half = width / 2, odd = width % 2;
        for (Py_ssize_t j = 0; j < k; j++) {
            double *c0 = a0 + j * W, *c1 = a1 + j * W, *c2 = a2 ? a2 + j * W : NULL;
            for (Py_ssize_t i = 0; i < half; i++) {
                double s, e, mid, tail;
                two_sum(c0[i], c0[half + i], &s, &e);
                c0[i] = s;
                if (!c2) {
                    c1[i] += c1[half + i];
                    c1[i] += e;
                    continue;
                }
                two_sum(c1[i], c1[half + i], &mid, &tail);
                c2[i] += c2[half + i];
                c2[i] += tail;
                two_sum(mid, e, &mid, &tail);
                c2[i] += tail;
                c1[i] = mid;
            }
            if (odd) {
                c0[half] = c0[2 * half];
                c1[half] = c1[2 * half];
                if (c2) c2[half] = c2[2 * half];
            }
        }
        width = half + odd;
    }
    Py_END_ALLOW_THREADS
    result = PyLong_FromSsize_t(width);
done:
    for (int i = 0; i < 3; i++) release(&buf[i]);
    return result;
}

PyDoc_STRVAR(use_doc,
"use_product_error(name)\n--\n\n"
"Form TwoProduct's error term by 'dekker' (always available) or 'fma' (where the processor\n"
"has one); returns the previous choice. Tests use it to run both.");

static PyObject *use_product_error(PyObject *self, PyObject *arg) {
    (void)self;
    int fma = PyUnicode_Check(arg) && PyUnicode_CompareWithASCIIString(arg, "fma") == 0;
    int dekker = PyUnicode_Check(arg) && PyUnicode_CompareWithASCIIString(arg, "dekker") == 0;
    if (!fma && !dekker) {
        PyErr_SetString(PyExc_ValueError, "product error: 'dekker' or 'fma'");
        return NULL;
    }
    const char *previous = variant;
#if defined(FMA_DISPATCH)
    if (fma && !fma_available) {
        PyErr_SetString(PyExc_ValueError, "this processor has no fused multiply-add");
        return NULL;
    }
    variant = fma ? "fma" : "dekker";
#else
    if ((fma ? 'f' : 'd') != variant[0]) {
        PyErr_Format(PyExc_ValueError, "this build forms product errors by %s only", variant);
        return NULL;
    }
#endif
    return PyUnicode_FromString(previous);
}

PyDoc_STRVAR(product_error_doc,
"product_error()\n--\n\n"
"How TwoProduct's error term is formed now: 'fma' or 'dekker'.");

static PyObject *get_product_error(PyObject *self, PyObject *unused) {
    (void)self;
    (void)unused;
    return PyUnicode_FromString(variant);
}

static PyMethodDef methods[] = {
    {"residuals", residuals, METH_VARARGS, residuals_doc},
    {"fold", fold, METH_VARARGS, fold_doc},
    {"use_product_error", use_product_error, METH_O, use_doc},
    {"product_error", get_product_error, METH_NOARGS, product_error_doc},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {
    PyModuleDef_HEAD_INIT, "_eft_kernel",
    "Compiled double-double residuals of the refinement (see pytest_linreg._extended).", -1,
    methods, NULL, NULL, NULL, NULL,
};

PyMODINIT_FUNC PyInit__eft_kernel(void) {
#if defined(FMA_DISPATCH)
    __builtin_cpu_init();
    fma_available = __builtin_cpu_supports("fma") && __builtin_cpu_supports("avx2");
    if (fma_available) variant = "fma";
#endif
    return PyModule_Create(&module);
}
