/* CRC-32C (Castagnoli), as used by RecordBatch v2 (spec metadata-log.md §4.2). */
#ifndef KRAFT_CRC32C_H
#define KRAFT_CRC32C_H

#include <stddef.h>
#include <stdint.h>

/* Continues a CRC: pass 0 to start. crc32c("123456789") == 0xE3069283. */
uint32_t kr_crc32c(uint32_t crc, const void *data, size_t len);
/* The table implementation, exposed so tests can compare it with the CPU one. */
uint32_t kr_crc32c_table(uint32_t crc, const void *data, size_t len);
/* True when the SSE4.2 instruction is used. */
int kr_crc32c_hw_available(void);

#endif
