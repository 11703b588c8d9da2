/*
 * setting.h: a number from the environment, with a default and bounds.
 *
 * The workers read their limits (FF_UPLOAD_RATE, FF_REQUEST_CPU_S, ...)
 * once at start. A value that is not a number within the bounds is
 * reported on stderr, naming the variable and the value used instead,
 * and the default is used: a typo must not turn a limit off.
 */
#ifndef FF_CORE_SETTING_H
#define FF_CORE_SETTING_H

/*
 * The value of environment variable name as a decimal number in
 * [lo, hi]; def when it is unset or empty, and (logged) when it is not
 * such a number.
 */
double	 setting_num(const char *name, double def, double lo, double hi);

#endif
