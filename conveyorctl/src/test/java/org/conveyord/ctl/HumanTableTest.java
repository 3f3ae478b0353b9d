package org.conveyord.ctl;

import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class HumanTableTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void scalarsAlignNestedObjectsFlattenAndListsOfObjectsBecomeTables() throws Exception {
        String text = HumanTable.render(JSON.readTree("""
                {"running":false,"estop":true,"faults":["estop"],"speedMps":0.8,"shift":{"ordersCompleted":3},
                 "zones":[{"id":"p1","occupied":false,"motor":false},{"id":"m1","occupied":true,"motor":true}],
                 "lanes":[]}"""));
        assertThat(text).isEqualTo("""
                running                false
                estop                  true
                faults                 estop
                speedMps               0.8
                shift.ordersCompleted  3
                lanes                  -

                zones:
                  id  occupied  motor
                  p1  false     false
                  m1  true      true
                """);
    }
}
