package io.livetune.executor.modules;

import com.networknt.schema.JsonMetaSchema;
import com.networknt.schema.JsonSchemaFactory;
import com.networknt.schema.NonValidationKeyword;
import com.networknt.schema.SpecVersion;
import com.networknt.schema.ValidatorTypeCode;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The one networknt factory of the executor: draft 2020-12, as
 * {@code JsonSchemaFactory.getInstance(V202012)} builds it (same meta-schema IRI, keywords and
 * vocabularies), less the string formats ("date-time", "email", "idn-hostname", ...).
 *
 * <p>None of our schemas uses {@code format}, and building the standard format table costs
 * every task's fresh JVM the JDK's date-time formatters, a table of every top-level domain and
 * several dozen regular expressions before the first argument is checked.
 */
final class SchemaFactory {
    /** What draft 2020-12's own meta-schema declares (networknt's Version202012). */
    private static final String[] VOCABULARIES = {
        "https://json-schema.org/draft/2020-12/vocab/core",
        "https://json-schema.org/draft/2020-12/vocab/applicator",
        "https://json-schema.org/draft/2020-12/vocab/unevaluated",
        "https://json-schema.org/draft/2020-12/vocab/validation",
        "https://json-schema.org/draft/2020-12/vocab/meta-data",
        "https://json-schema.org/draft/2020-12/vocab/format-annotation",
        "https://json-schema.org/draft/2020-12/vocab/content",
    };

    static final JsonSchemaFactory INSTANCE = create();

    private SchemaFactory() {
    }

    private static JsonSchemaFactory create() {
        Map<String, Boolean> vocabularies = new LinkedHashMap<>();
        for (String vocabulary : VOCABULARIES) {
            vocabularies.put(vocabulary, Boolean.TRUE);
        }
        JsonMetaSchema draft202012 = JsonMetaSchema.builder("https://json-schema.org/draft/2020-12/schema")
                .specification(SpecVersion.VersionFlag.V202012)
                .idKeyword("$id")
                .keywords(ValidatorTypeCode.getKeywords(SpecVersion.VersionFlag.V202012))
                .keywords(Collections.singletonList(new NonValidationKeyword("definitions")))
                .vocabularies(vocabularies)
                .build();
        return JsonSchemaFactory.builder()
                .defaultMetaSchemaIri(draft202012.getIri())
                .metaSchema(draft202012)
                .build();
    }
}
