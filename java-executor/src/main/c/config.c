/* config.c: the LIVETUNE_* environment, read once when the shim loads.
 *
 * Whatever cannot be understood is reported once on stderr and left out; the rest still
 * applies. The Java module checks the same values with the same registry before it writes
 * them, so a report here means someone wrote the environment by hand. */
#define _GNU_SOURCE
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "shim.h"

#ifndef MCL_ONFAULT
#define MCL_ONFAULT 4 /* Linux 4.4; older glibc headers lack it */
#endif

static int is_space(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

/* Decimal digits only (no sign, no spaces, no "0x"), within [min, max]; 0 <= min <= max. */
static int parse_integer(const char *text, size_t length, long long min, long long max, long long *out)
{
    unsigned long long value = 0;
    if (length == 0 || length > 19) /* 19 digits always fit in an unsigned long long */
        return 0;
    for (size_t i = 0; i < length; i++) {
        if (text[i] < '0' || text[i] > '9')
            return 0;
        value = value * 10 + (unsigned)(text[i] - '0');
    }
    if (value > (unsigned long long)max || (long long)value < min)
        return 0;
    *out = (long long)value;
    return 1;
}

/* The text forms of docs/preload-shim.md, checked against the registry's range. */
int lt_value_parse(const struct lt_option *option, const char *text, size_t length,
                   union lt_value *value, socklen_t *value_length)
{
    long long n, seconds;
    const char *colon;

    memset(value, 0, sizeof *value);
    switch (option->type) {
    case LT_INT:
    case LT_BOOL:
        if (!parse_integer(text, length, option->min, option->max, &n))
            return 0;
        value->i = (int)n;
        *value_length = sizeof value->i;
        return 1;
    case LT_UINT:
        if (!parse_integer(text, length, option->min, option->max, &n))
            return 0;
        value->u = (unsigned)n;
        *value_length = sizeof value->u;
        return 1;
    case LT_MILLISECONDS:
        if (!parse_integer(text, length, option->min, option->max, &n))
            return 0;
        value->tv.tv_sec = (time_t)(n / 1000);
        value->tv.tv_usec = (suseconds_t)(n % 1000 * 1000);
        *value_length = sizeof value->tv;
        return 1;
    case LT_LINGER: /* enabled:seconds */
        colon = memchr(text, ':', length);
        if (colon == NULL || !parse_integer(text, (size_t)(colon - text), 0, 1, &n) ||
            !parse_integer(colon + 1, length - (size_t)(colon - text) - 1, option->min, option->max, &seconds))
            return 0;
        value->linger.l_onoff = (int)n;
        value->linger.l_linger = (int)seconds;
        *value_length = sizeof value->linger;
        return 1;
    case LT_STRING:
        if ((long long)length < option->min || (long long)length > option->max ||
            length >= sizeof value->name)
            return 0;
        for (size_t i = 0; i < length; i++)
            if (text[i] <= ' ' || text[i] > '~')
                return 0;
        memcpy(value->name, text, length);
        *value_length = (socklen_t)length; /* as socket_option sends it: no NUL */
        return 1;
    }
    return 0;
}

static void describe_values(struct lt_line *line, const struct lt_option *option)
{
    switch (option->type) {
    case LT_BOOL:
        lt_put(line, "1 or 0");
        return;
    case LT_INT:
    case LT_UINT:
    case LT_MILLISECONDS:
        lt_put(line, "an integer from ");
        lt_put_int(line, option->min);
        lt_put(line, " to ");
        lt_put_int(line, option->max);
        if (option->type == LT_MILLISECONDS)
            lt_put(line, " (milliseconds)");
        return;
    case LT_LINGER:
        lt_put(line, "enabled:seconds (1 or 0, then ");
        lt_put_int(line, option->min);
        lt_put(line, " to ");
        lt_put_int(line, option->max);
        lt_put(line, ")");
        return;
    case LT_STRING:
        lt_put(line, "a name of ");
        lt_put_int(line, option->min);
        lt_put(line, " to ");
        lt_put_int(line, option->max);
        lt_put(line, " characters");
        return;
    }
}

static void report(const char *variable, const char *what, const char *text, size_t length, const char *tail)
{
    struct lt_line line;
    lt_begin_problem(&line);
    lt_put(&line, variable);
    lt_put(&line, ": ");
    lt_put(&line, what);
    lt_put_quoted(&line, text, length);
    lt_put(&line, tail);
    lt_write(&line, LT_TRACE_STDERR);
}

static const struct lt_option *find_by_name(const char *name, size_t length)
{
    for (int i = 0; i < LT_OPTION_COUNT; i++)
        if (strlen(lt_options[i].name) == length && memcmp(lt_options[i].name, name, length) == 0)
            return &lt_options[i];
    return NULL;
}

/* One "name=value" of LIVETUNE_OPTIONS. A name given twice: the later value counts. */
static void read_option(struct lt_config *config, const char *token, size_t length)
{
    const char *equals = memchr(token, '=', length);
    const struct lt_option *option;
    struct lt_wanted wanted;
    struct lt_line line;
    int i;

    if (equals == NULL) {
        report(LT_ENV_OPTIONS, "", token, length, " is not name=value, ignored");
        return;
    }
    option = find_by_name(token, (size_t)(equals - token));
    if (option == NULL) {
        report(LT_ENV_OPTIONS, "unknown option ", token, (size_t)(equals - token), " ignored");
        return;
    }
    wanted.option = option;
    if (!lt_value_parse(option, equals + 1, length - (size_t)(equals - token) - 1, &wanted.value, &wanted.length)) {
        lt_begin_problem(&line);
        lt_put(&line, LT_ENV_OPTIONS ": ");
        lt_put(&line, option->name);
        lt_put(&line, ": ");
        lt_put_quoted(&line, equals + 1, length - (size_t)(equals - token) - 1);
        lt_put(&line, " is not ");
        describe_values(&line, option);
        lt_put(&line, ", ignored");
        lt_write(&line, LT_TRACE_STDERR);
        return;
    }
    for (i = 0; i < config->count && config->wanted[i].option != option; i++)
        ;
    config->wanted[i] = wanted; /* i < LT_OPTION_COUNT: one entry per registry option at most */
    if (i == config->count)
        config->count++;
}

static void read_options(struct lt_config *config, const char *text)
{
    while (*text) {
        size_t length = 0;
        while (is_space(*text))
            text++;
        while (text[length] && !is_space(text[length]))
            length++;
        if (length > 0)
            read_option(config, text, length);
        text += length;
    }
}

static void read_mlock(struct lt_config *config, const char *text)
{
    int flags = 0;
    while (*text) {
        size_t length = strcspn(text, ",");
        if (length == 7 && memcmp(text, "current", 7) == 0)
            flags |= MCL_CURRENT;
        else if (length == 6 && memcmp(text, "future", 6) == 0)
            flags |= MCL_FUTURE;
        else if (length == 7 && memcmp(text, "onfault", 7) == 0)
            flags |= MCL_ONFAULT;
        else
            report(LT_ENV_MLOCK, "unknown flag ", text, length, " ignored (current, future, onfault)");
        text += length;
        if (*text == ',')
            text++;
    }
    if (flags == MCL_ONFAULT) {
        report(LT_ENV_MLOCK, "", "onfault", 7, " needs current or future as well; nothing is locked");
        flags = 0;
    }
    config->mlock_flags = flags;
}

static const char *variable(const char *name)
{
    const char *value = getenv(name);
    return value != NULL && *value != '\0' ? value : NULL; /* Environment=X= means unset */
}

void lt_config_read(struct lt_config *config)
{
    const char *text;
    long long n;

    memset(config, 0, sizeof *config);
    config->backlog = -1;

    if ((text = variable(LT_ENV_BACKLOG)) != NULL) {
        if (parse_integer(text, strlen(text), 0, INT_MAX, &n))
            config->backlog = (int)n;
        else
            report(LT_ENV_BACKLOG, "", text, strlen(text), " is not an integer from 0 to 2147483647, ignored");
    }
    if ((text = variable(LT_ENV_OPTIONS)) != NULL)
        read_options(config, text);
    if ((text = variable(LT_ENV_MLOCK)) != NULL)
        read_mlock(config, text);
    if ((text = variable(LT_ENV_TRACE)) != NULL) {
        if (strcmp(text, "stderr") == 0)
            config->trace = LT_TRACE_STDERR;
        else if (strcmp(text, "syslog") == 0)
            config->trace = LT_TRACE_SYSLOG;
        else
            report(LT_ENV_TRACE, "", text, strlen(text), " is neither stderr nor syslog, ignored");
    }
    if ((text = variable(LT_ENV_RESPECT_APP)) != NULL) {
        if (strcmp(text, "1") == 0 || strcmp(text, "0") == 0)
            config->respect_app = text[0] == '1';
        else
            report(LT_ENV_RESPECT_APP, "", text, strlen(text), " is neither 1 nor 0, ignored");
    }
}
