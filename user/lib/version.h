/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
#ifndef __CT_VERSION_H
#define __CT_VERSION_H

#define COLDTRACE_VERSION "0.1.0"

#endif /* __CT_VERSION_H */
