/* report.c: the shim's text output (traces and reports of problems).
 *
 * Lines are built in a buffer on the caller's stack and written with one write(2): no
 * malloc, no stdio (whose locks and buffers belong to the program), nothing that depends on
 * the program's locale. */
#define _GNU_SOURCE
#define LT_DEFINE_OPTION_TABLE /* lt_options[] lives here */
#include <errno.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <syslog.h>
#include <unistd.h>

#include "shim.h"

void lt_put_n(struct lt_line *line, const char *text, size_t length)
{
    size_t room = sizeof line->text - 2 - line->length; /* kept free: '\n' and NUL */
    if (length > room)
        length = room;
    memcpy(line->text + line->length, text, length);
    line->length += length;
}

void lt_put(struct lt_line *line, const char *text)
{
    lt_put_n(line, text, strlen(text));
}

/* Text that came from outside (the environment, the program's option value): control
 * characters and bytes above '~' are shown as '?', so a trace stays one line of ASCII. */
static void put_printable(struct lt_line *line, const char *text, size_t length)
{
    for (size_t i = 0; i < length; i++) {
        char c = text[i] >= ' ' && text[i] <= '~' ? text[i] : '?';
        lt_put_n(line, &c, 1);
    }
}

void lt_put_quoted(struct lt_line *line, const char *text, size_t length)
{
    lt_put(line, "'");
    put_printable(line, text, length > 64 ? 64 : length);
    lt_put(line, length > 64 ? "...'" : "'");
}

void lt_put_int(struct lt_line *line, long long value)
{
    char digits[24];
    size_t n = sizeof digits;
    /* through unsigned, where the magnitude of LLONG_MIN is defined */
    unsigned long long magnitude = value < 0 ? 0ULL - (unsigned long long)value : (unsigned long long)value;
    do {
        digits[--n] = (char)('0' + magnitude % 10);
        magnitude /= 10;
    } while (magnitude != 0);
    if (value < 0)
        digits[--n] = '-';
    lt_put_n(line, digits + n, sizeof digits - n);
}

void lt_put_error(struct lt_line *line, int error)
{
    char buffer[128];
    if (error == 0)
        lt_put(line, "ok");
    else
        lt_put(line, strerror_r(error, buffer, sizeof buffer)); /* the GNU one: thread-safe */
}

void lt_put_program(struct lt_line *line)
{
    lt_put(line, program_invocation_short_name);
    lt_put(line, " (pid ");
    lt_put_int(line, (long long)getpid());
    lt_put(line, ")");
}

const struct lt_option *lt_option_find(int level, int optname)
{
    for (int i = 0; i < LT_OPTION_COUNT; i++)
        if (lt_options[i].level == level && lt_options[i].optname == optname)
            return &lt_options[i];
    return NULL;
}

/* A value as the program or the configuration gave it, in the text forms LIVETUNE_OPTIONS
 * uses. The bytes are copied out with memcpy: the program's buffer need not be aligned. */
void lt_put_value(struct lt_line *line, const struct lt_option *option, const void *value, socklen_t length)
{
    int i;
    unsigned u;
    struct linger linger;
    struct timeval tv;

    if (value == NULL) {
        lt_put(line, "?");
        return;
    }
    if (option != NULL) {
        switch (option->type) {
        case LT_INT:
        case LT_BOOL:
            if (length < sizeof i)
                break;
            memcpy(&i, value, sizeof i);
            lt_put_int(line, i);
            return;
        case LT_UINT:
            if (length < sizeof u)
                break;
            memcpy(&u, value, sizeof u);
            lt_put_int(line, u);
            return;
        case LT_LINGER:
            if (length < sizeof linger)
                break;
            memcpy(&linger, value, sizeof linger);
            lt_put_int(line, linger.l_onoff);
            lt_put(line, ":");
            lt_put_int(line, linger.l_linger);
            return;
        case LT_MILLISECONDS:
            if (length < sizeof tv)
                break;
            memcpy(&tv, value, sizeof tv);
            if (tv.tv_sec >= 0 && tv.tv_sec < 1000000000000 && tv.tv_usec >= 0 && tv.tv_usec < 1000000) {
                lt_put_int(line, (long long)tv.tv_sec * 1000 + tv.tv_usec / 1000);
            } else { /* nothing the kernel accepts, shown as given */
                lt_put_int(line, tv.tv_sec);
                lt_put(line, "s+");
                lt_put_int(line, tv.tv_usec);
                lt_put(line, "us");
            }
            return;
        case LT_STRING: {
            const char *text = value;
            size_t n = 0;
            while (n < length && n < 16 && text[n] != '\0')
                n++;
            put_printable(line, text, n);
            return;
        }
        }
    }
    /* An option we do not know, or too few bytes for its type: most options are an int,
     * and the kernel reads a single byte as the value of some IP options. */
    if (length >= sizeof i) {
        memcpy(&i, value, sizeof i);
        lt_put_int(line, i);
    } else if (length > 0) {
        lt_put_int(line, *(const unsigned char *)value);
    } else {
        lt_put(line, "(nothing)");
    }
}

/* What descriptor 2 was when the shim loaded. A daemon may close its stderr and get the
 * number back for a socket or a file of its own; a line written there would corrupt it. */
static int stderr_open;
static dev_t stderr_dev;
static ino_t stderr_ino;

/* fstat through syscall(): glibc >= 2.33 exports fstat under a symbol version that older
 * glibc lacks, and the shim must load there too. On x86_64 and aarch64 the kernel's
 * struct stat is glibc's. */
static int stat_stderr(struct stat *st)
{
    return (int)syscall(SYS_fstat, STDERR_FILENO, st);
}

void lt_report_init(void)
{
    struct stat st;
    if (stat_stderr(&st) == 0) {
        stderr_open = 1;
        stderr_dev = st.st_dev;
        stderr_ino = st.st_ino;
    }
}

void lt_begin_problem(struct lt_line *line)
{
    line->length = 0;
    lt_put(line, "livetune-preload: ");
}

void lt_write(struct lt_line *line, enum lt_trace where)
{
    struct stat st;
    size_t done = 0;

    if (where == LT_TRACE_SYSLOG) {
        line->text[line->length] = '\0';
        syslog(LOG_INFO, "%s", line->text);
        return;
    }
    if (!stderr_open || stat_stderr(&st) != 0 || st.st_dev != stderr_dev || st.st_ino != stderr_ino)
        return;
    line->text[line->length++] = '\n';
    while (done < line->length) {
        ssize_t n = write(STDERR_FILENO, line->text + done, line->length - done);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            break;
        done += (size_t)n;
    }
}
