//! localfront patch (the whole file): a public way to make ordinary objects of a known shape in one
//! step, and to read such an object's values back without a property lookup.
//!
//! An embedder that builds the same plain-data objects over and over (localfront builds a
//! CloudFront Function's event, ≈ 20 objects, on every run) otherwise adds their properties one at
//! a time: each insert looks the key up, follows a shape transition and grows the object's storage
//! by one slot (≈ 800 instructions a property). A [`DataTemplate`] holds the final shared shape, so
//! an object is one allocation with its values, exactly as if its properties had been defined in
//! the template's order with the template's attributes. Objects created from a template follow
//! `write_watch` like any other: watched only if created while watching new objects is on.

use boa_gc::{Finalize, Trace};

use crate::{
    Context, JsObject, JsValue,
    builtins::OrdinaryObject,
    object::{IndexedProperties, shape::shared_shape::template::ObjectTemplate, write_watch},
    property::{Attribute, PropertyKey},
};

/// The shape of an ordinary object whose prototype is the realm's `Object.prototype` and whose own
/// properties are the template's data properties, in order.
#[derive(Debug, Clone, Trace, Finalize)]
pub struct DataTemplate {
    template: ObjectTemplate,
    len: usize,
    /// Whether the prototype is watched (fixed when it was created, so known once).
    prototype_watched: bool,
}

impl DataTemplate {
    /// The shape of `{}` in `context`'s realm: no property, `Object.prototype` as prototype.
    #[must_use]
    pub fn new(context: &Context) -> Self {
        let prototype = context.intrinsics().constructors().object().prototype();
        Self {
            template: context.intrinsics().templates().ordinary_object().clone(),
            len: 0,
            prototype_watched: prototype.borrow().watched,
        }
    }

    /// This template with one more data property, `key` with `attributes`, after the others;
    /// `None` when `key` is an array index (stored outside the shape) or already one of them.
    #[must_use]
    pub fn with_property(&self, key: PropertyKey, attributes: Attribute) -> Option<Self> {
        if matches!(key, PropertyKey::Index(_)) || self.template.shape().lookup(&key).is_some() {
            return None;
        }
        let mut template = self.template.clone();
        template.property(key, attributes);
        Some(Self {
            template,
            len: self.len + 1,
            prototype_watched: self.prototype_watched,
        })
    }

    /// The number of properties.
    #[must_use]
    pub const fn len(&self) -> usize {
        self.len
    }

    /// Whether the template has no property.
    #[must_use]
    pub const fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// A new extensible ordinary object with the template's properties set to `values`, in order.
    ///
    /// # Panics
    ///
    /// If `values` does not hold one value per property.
    #[must_use]
    pub fn create(&self, values: Vec<JsValue>) -> JsObject {
        assert_eq!(values.len(), self.len, "one value per template property");
        self.template.create(OrdinaryObject, values)
    }

    /// Calls `read` with `object`'s property values, in the template's order, when reading them is
    /// exactly what `[[Get]]` would do, and `[[Get]]` of any other key finds what the prototype
    /// had when the embedder last took the `write_watch` flag: `object` is an ordinary object with
    /// the template's shape (the same own properties, all data, same attributes, same prototype)
    /// and no array-index property, and the prototype is watched with no watched object written
    /// since. Otherwise `None`, and the caller reads through `[[Get]]`.
    ///
    /// `read` must not touch `object` (it is borrowed).
    pub fn read<R>(&self, object: &JsObject, read: impl FnOnce(&[JsValue]) -> R) -> Option<R> {
        if !self.prototype_watched || write_watch::written() || !object.is::<OrdinaryObject>() {
            return None;
        }
        let shape = self.template.shape();
        let object = object.borrow();
        let properties = &object.properties;
        if !properties.shape.is_shared()
            || properties.shape.to_addr_usize() != shape.to_addr_usize()
            || !indexed_is_empty(&properties.indexed_properties)
        {
            return None;
        }
        Some(read(&properties.storage))
    }
}

fn indexed_is_empty(indexed: &IndexedProperties) -> bool {
    match indexed {
        IndexedProperties::DenseI32(v) => v.is_empty(),
        IndexedProperties::DenseF64(v) => v.is_empty(),
        IndexedProperties::DenseElement(v) => v.is_empty(),
        IndexedProperties::SparseElement(m) => m.is_empty(),
        IndexedProperties::SparseProperty(m) => m.is_empty(),
    }
}
