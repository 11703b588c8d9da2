/*
 * decimal.h: a decimal number as a person types it into a form, with a
 * decimal point or a decimal comma ("52.5", "52,5").
 *
 * Not strtod(): that follows the process's locale (a comma is never a
 * decimal separator in the C locale the workers run in), and it takes
 * what nobody types into a form field and a form should not store:
 * exponents ("1e3"), hexadecimal ("0x1p4"), "inf" and "nan".
 */
#ifndef FF_CORE_DECIMAL_H
#define FF_CORE_DECIMAL_H

/* Most digits a number may have, both sides of the separator together:
 * as one integer they are then exact in a double. */
#define DEC_DIGITS_MAX	15

/*
 * s as a decimal: optional blanks, an optional '-' or '+', digits,
 * optionally a '.' or a ',' followed by digits, optional blanks, nothing
 * else; one to DEC_DIGITS_MAX digits in all (".5" and "5." are numbers). Returns 1 with *out (the
 * double nearest the decimal, as strtod() gives it), 0 when s is not
 * one (NULL and "" are not).
 *
 * *grouped (may be NULL) is set to 1 when the text could also be read
 * with a thousands separator: one to three digits (not starting with
 * 0), the separator, exactly three digits, as in "1,000" or "1.500".
 * Such a number is returned as a decimal (1.0, 1.5); a caller for which
 * the thousands reading is plausible asks which was meant.
 */
int	 dec_parse(const char *s, double *out, int *grouped);

#endif
