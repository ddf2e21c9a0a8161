/* cu.h: the small harness every CUnit suite program shares: register, run, summarise, exit. */
#ifndef TESTS_CU_H
#define TESTS_CU_H

#include <CUnit/Basic.h>
#include <stdio.h>
#include <stdlib.h>

struct cu_test {
	const char *name;
	void (*fn)(void);
};

/* Runs one suite of tests with CUnit's basic interface (verbose), prints its summary and
 * returns the process exit status: 0 when every assertion held. */
static inline int cu_run(const char *suite_name, const struct cu_test *tests)
{
	if (CU_initialize_registry() != CUE_SUCCESS)
		return 99;
	CU_pSuite s = CU_add_suite(suite_name, NULL, NULL);
	for (const struct cu_test *t = tests; t->name; t++)
		CU_add_test(s, t->name, t->fn);
	CU_basic_set_mode(CU_BRM_VERBOSE);
	CU_basic_run_tests();
	unsigned failed = CU_get_number_of_failures() + CU_get_number_of_tests_failed();
	unsigned run = CU_get_number_of_tests_run();
	CU_cleanup_registry();
	printf("\n");
	if (run == 0)
		return 99;
	return failed ? 1 : 0;
}

#endif
