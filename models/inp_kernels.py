"""Byte-level INP scanning kernels (numba) for the fast reader ``models.inp_fast``.

Exports ``split_lines``, ``first_marks``, ``tokenize``, ``parse_numbers``, ``join_tokens``.
They work on the UTF-8 bytes of a decoded INP text as a ``uint8`` array and return index
arrays, so a section of 300,000 lines becomes a few NumPy arrays without one Python object
per line. The rules are those of ``models.inp_text``: lines end at ``\\r\\n``, ``\\r`` or
``\\n``; fields are split at ASCII whitespace (the caller refuses texts with Unicode
whitespace, which ``str.split`` would also split at); a line's data ends at its first ``;``.
"""

from __future__ import annotations

import numpy as np
from numba import njit

# str.split()'s ASCII whitespace: \t \n \v \f \r, the four information separators, space
_WS = np.zeros(256, dtype=np.bool_)
for _b in (9, 10, 11, 12, 13, 28, 29, 30, 31, 32):
    _WS[_b] = True

# Exact powers of ten (10^22 is the largest double that is one)
_POW10 = np.array([10.0 ** k for k in range(23)])

NUMBER_BAD = 0   # not a plain decimal number (models.inp_text.parse_number refuses it)
NUMBER_OK = 1    # parsed here, correctly rounded
NUMBER_SLOW = 2  # valid, but too many digits for the exact fast path: parse with float()


@njit(cache=True)
def split_lines(buf):
    """Start and end (exclusive, before the line break) of every line of ``buf``.

    A final line break does not start an empty last line (as ``scan_inp``).
    """
    n = buf.size
    count = 1
    i = 0
    while i < n:
        b = buf[i]
        if b == 10:
            count += 1
        elif b == 13:
            count += 1
            if i + 1 < n and buf[i + 1] == 10:
                i += 1
        i += 1
    starts = np.empty(count, dtype=np.int64)
    ends = np.empty(count, dtype=np.int64)
    line = 0
    starts[0] = 0
    i = 0
    while i < n:
        b = buf[i]
        if b == 10 or b == 13:
            ends[line] = i
            if b == 13 and i + 1 < n and buf[i + 1] == 10:
                i += 1
            line += 1
            starts[line] = i + 1
        i += 1
    ends[line] = n
    if count > 1 and starts[count - 1] == n:
        count -= 1  # the text ended with a line break
    return starts[:count], ends[:count]


@njit(cache=True)
def first_marks(buf, starts, ends, ws):
    """Position of the first non-whitespace byte of each line, -1 for a blank line."""
    out = np.full(starts.size, -1, dtype=np.int64)
    for k in range(starts.size):
        for i in range(starts[k], ends[k]):
            if not ws[buf[i]]:
                out[k] = i
                break
    return out


@njit(cache=True)
def tokenize(buf, starts, ends, lines, ws):
    """Fields of the given lines (data before the first ``;``).

    Parameters
    ----------
    lines : int64 array
        0-based indices of the lines to split.

    Returns
    -------
    data_lines : int64 array
        Indices of the lines that have at least one field, in order.
    ptr : int64 array
        CSR pointers: the fields of ``data_lines[r]`` are ``ptr[r]:ptr[r + 1]``.
    tok_start, tok_end : int64 arrays
        Byte range of each field.
    """
    total = 0
    for r in range(lines.size):
        k = lines[r]
        inside = False
        for i in range(starts[k], ends[k]):
            b = buf[i]
            if b == 59:
                break
            if ws[b]:
                inside = False
            elif not inside:
                inside = True
                total += 1
    tok_start = np.empty(total, dtype=np.int64)
    tok_end = np.empty(total, dtype=np.int64)
    data_lines = np.empty(lines.size, dtype=np.int64)
    ptr = np.zeros(lines.size + 1, dtype=np.int64)
    t = 0
    nd = 0
    for r in range(lines.size):
        k = lines[r]
        first = t
        inside = False
        stop = ends[k]
        for i in range(starts[k], ends[k]):
            b = buf[i]
            if b == 59:
                stop = i
                break
            if ws[b]:
                if inside:
                    tok_end[t - 1] = i
                inside = False
            elif not inside:
                inside = True
                tok_start[t] = i
                t += 1
        if inside:
            tok_end[t - 1] = stop
        if t > first:
            data_lines[nd] = k
            nd += 1
            ptr[nd] = t
    return data_lines[:nd], ptr[:nd + 1], tok_start, tok_end


@njit(cache=True)
def parse_numbers(buf, tok_start, tok_end, pow10):
    """Decimal numbers as ``float()`` reads them, with ``parse_number``'s grammar.

    ``[+-]?(digits[.digits*]|.digits)([eE][+-]?digits)?``. Up to 15 significant digits
    and a decimal exponent within +-22 the value is one correctly rounded product or
    quotient of two exact doubles (Clinger's fast path), so it equals ``float(token)``;
    other valid tokens are flagged ``NUMBER_SLOW`` for ``float()``.

    Returns
    -------
    values : float64 array
    status : int8 array
        ``NUMBER_BAD``, ``NUMBER_OK`` or ``NUMBER_SLOW`` per token.
    """
    n = tok_start.size
    values = np.zeros(n)
    status = np.zeros(n, dtype=np.int8)
    for t in range(n):
        i = tok_start[t]
        e = tok_end[t]
        neg = False
        if i < e and (buf[i] == 43 or buf[i] == 45):
            neg = buf[i] == 45
            i += 1
        mant = 0
        sig = 0          # significant digits kept in mant
        dropped = False  # a non-zero digit did not fit
        scale = 0        # decimal exponent adjustment from the digits
        int_digits = 0
        while i < e and 48 <= buf[i] <= 57:
            d = buf[i] - 48
            if mant == 0 and d == 0:
                pass
            elif sig < 18:
                mant = mant * 10 + d
                sig += 1
            else:
                scale += 1
                if d != 0:
                    dropped = True
            int_digits += 1
            i += 1
        frac_digits = 0
        if i < e and buf[i] == 46:
            i += 1
            while i < e and 48 <= buf[i] <= 57:
                d = buf[i] - 48
                if mant == 0 and d == 0:
                    scale -= 1
                elif sig < 18:
                    mant = mant * 10 + d
                    sig += 1
                    scale -= 1
                elif d != 0:
                    dropped = True
                frac_digits += 1
                i += 1
        if int_digits + frac_digits == 0:
            continue  # BAD
        exp = 0
        exp_big = False
        if i < e and (buf[i] == 101 or buf[i] == 69):
            i += 1
            eneg = False
            if i < e and (buf[i] == 43 or buf[i] == 45):
                eneg = buf[i] == 45
                i += 1
            if i >= e or not (48 <= buf[i] <= 57):
                continue  # BAD: exponent without digits
            while i < e and 48 <= buf[i] <= 57:
                if exp < 100000:
                    exp = exp * 10 + (buf[i] - 48)
                else:
                    exp_big = True
                i += 1
            if eneg:
                exp = -exp
        if i != e:
            continue  # BAD: trailing characters
        k = exp + scale
        if mant == 0:
            values[t] = -0.0 if neg else 0.0
            status[t] = NUMBER_OK
            continue
        if dropped or exp_big or sig > 15 or k > 22 or k < -22:
            status[t] = NUMBER_SLOW
            continue
        v = float(mant)
        if k >= 0:
            v = v * pow10[k]
        else:
            v = v / pow10[-k]
        values[t] = -v if neg else v
        status[t] = NUMBER_OK
    return values, status


@njit(cache=True)
def join_tokens(buf, tok_start, tok_end, pick):
    """The bytes of the picked fields, each followed by ``\\n`` (for one ``decode().split``)."""
    size = 0
    for r in range(pick.size):
        t = pick[r]
        size += tok_end[t] - tok_start[t] + 1
    out = np.empty(size, dtype=np.uint8)
    j = 0
    for r in range(pick.size):
        t = pick[r]
        for i in range(tok_start[t], tok_end[t]):
            out[j] = buf[i]
            j += 1
        out[j] = 10
        j += 1
    return out


WHITESPACE = _WS
POW10 = _POW10
