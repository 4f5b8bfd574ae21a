/* libFuzzer: the Java .properties parser (controller and broker configs). */
#include <stdint.h>
#include <stdlib.h>

#include "kraft/properties.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    kr_properties p;
    kr_error err;
    if (kr_properties_parse((const char *)data, size, "fuzz.properties", &p, &err) == KR_OK) {
        for (int32_t i = 0; i < p.n; i++)
            if (kr_properties_get(&p, p.v[i].key) == NULL) abort(); /* every key is found */
        int32_t v;
        kr_properties_get_int(&p, "node.id", &v, &err);
        kr_properties_free(&p);
    }
    return 0;
}
