/*
 * check_decimal.c: a typed decimal number (core/decimal.h), with a
 * decimal point or comma, as the admin's number fields read it.
 */
#include <check.h>
#include <stdlib.h>

#include "core/decimal.h"

static const struct {
	const char	*in;
	int		 ok;
	double		 v;		/* when ok */
	int		 grouped;	/* when ok */
} cases[] = {
	{ "52.5", 1, 52.5, 0 },
	{ "52,5", 1, 52.5, 0 },
	{ " 52,5 ", 1, 52.5, 0 },
	{ "\t140\t", 1, 140, 0 },
	{ "0", 1, 0, 0 },
	{ "-3,25", 1, -3.25, 0 },
	{ "+7", 1, 7, 0 },
	{ ".5", 1, 0.5, 0 },
	{ ",75", 1, 0.75, 0 },
	{ "5.", 1, 5, 0 },
	{ "0.125", 1, 0.125, 0 },
	{ "119.00", 1, 119, 0 },
	{ "1000000", 1, 1000000, 0 },
	{ "0.1", 1, 0.1, 0 },
	{ "1.1", 1, 1.1, 0 },
	{ "123456789012345", 1, 123456789012345.0, 0 },
	{ "1234567.12345678", 1, 1234567.12345678, 0 },
	/* Could be a thousands separator: read as a decimal, flagged. */
	{ "1,000", 1, 1, 1 },
	{ "1.500", 1, 1.5, 1 },
	{ "999,999", 1, 999.999, 1 },
	{ "52,125", 1, 52.125, 1 },
	{ "1000,000", 1, 1000, 0 },
	{ "0,500", 1, 0.5, 0 },
	{ "1,0000", 1, 1, 0 },
	{ "1,00", 1, 1, 0 },
	/* Not numbers. */
	{ "", 0, 0, 0 },
	{ " ", 0, 0, 0 },
	{ ".", 0, 0, 0 },
	{ ",", 0, 0, 0 },
	{ "-", 0, 0, 0 },
	{ "52,5,1", 0, 0, 0 },
	{ "1,000,000", 0, 0, 0 },
	{ "1.000,50", 0, 0, 0 },
	{ "52 5", 0, 0, 0 },
	{ "52mm", 0, 0, 0 },
	{ "1e3", 0, 0, 0 },
	{ "1e999", 0, 0, 0 },
	{ "0x10", 0, 0, 0 },
	{ "inf", 0, 0, 0 },
	{ "nan", 0, 0, 0 },
	{ "--1", 0, 0, 0 },
	{ "1; UPDATE frames SET price_cents = 0", 0, 0, 0 },
	{ "1234567890123456", 0, 0, 0 },
	{ "0.0000000000000001", 0, 0, 0 },
};

START_TEST(test_parse)
{
	double	 v = -99;
	int	 g = -1;
	int	 ok = dec_parse(cases[_i].in, &v, &g);

	ck_assert_msg(ok == cases[_i].ok, "\"%s\": %d", cases[_i].in, ok);
	if (!ok)
		return;
	/* Exactly strtod()'s double for the same text with a point. */
	ck_assert_msg(v == cases[_i].v, "\"%s\": %.17g", cases[_i].in, v);
	ck_assert_msg(g == cases[_i].grouped, "\"%s\": grouped %d",
	    cases[_i].in, g);
}
END_TEST

START_TEST(test_null)
{
	double	v = 1;
	int	g = 1;

	ck_assert_int_eq(dec_parse(NULL, &v, &g), 0);
	ck_assert_int_eq(g, 0);
	ck_assert_int_eq(dec_parse("2,5", &v, NULL), 1);
	ck_assert(v == 2.5);
}
END_TEST

int
main(void)
{
	Suite	*s = suite_create("decimal");
	TCase	*t = tcase_create("parse");
	SRunner	*sr;
	int	 failed;

	tcase_add_loop_test(t, test_parse, 0, sizeof(cases) / sizeof(cases[0]));
	tcase_add_test(t, test_null);
	suite_add_tcase(s, t);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
