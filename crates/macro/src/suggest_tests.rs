use super::*;

#[test]
fn suggests_near_names_only() {
    let known = ["Enabled", "LayerVersion", "LayerArn"];
    assert_eq!(closest("Enabld", &known), Some("Enabled"));
    assert_eq!(closest("layerversion", &known), Some("LayerVersion"));
    assert_eq!(closest("LayerArm", &known), Some("LayerArn"));
    assert_eq!(closest("Zebra", &known), None);
}
