// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * A C extension of the Python function: the reason the build stage needs
 * gcc and python3-dev, which the multi-stage image leaves behind.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>

static PyObject *sum_to(PyObject *self, PyObject *args)
{
	long n, s = 0;

	if (!PyArg_ParseTuple(args, "l", &n))
		return NULL;
	for (long i = 1; i <= n; i++)
		s += i;
	return PyLong_FromLong(s);
}

static PyMethodDef methods[] = {
	{ "sum_to", sum_to, METH_VARARGS, "1 + 2 + ... + n" },
	{ NULL, NULL, 0, NULL },
};

static struct PyModuleDef module = {
	PyModuleDef_HEAD_INIT, "speedup", NULL, -1, methods,
};

PyMODINIT_FUNC PyInit_speedup(void)
{
	return PyModule_Create(&module);
}
