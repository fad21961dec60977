# C types for the compiled build of record_appender.py (journeys/native.py): murmur2 in 64-bit
# unsigned arithmetic, where a product of two 32-bit values masked to 32 bits is what Python computes.
import cython

@cython.locals(length=cython.Py_ssize_t, i4=cython.Py_ssize_t, tail=cython.Py_ssize_t, extra=cython.Py_ssize_t,
               h=cython.ulonglong, k=cython.ulonglong, m=cython.ulonglong)
cpdef object murmur2(bytes data)
